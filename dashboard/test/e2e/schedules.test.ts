import { join } from "node:path";
import type { Schedule, ScheduleFire } from "@cc2cc/shared";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, launch, SHOTS, shot, watchCsp } from "./helpers/browser";
import { PluginClient } from "./helpers/plugin-client";
import { DASHBOARD_KEY, HubProcess } from "./helpers/processes";

/**
 * The Schedules view end to end: a real hub, a real plugin connection as the recipient, and
 * Chromium creating a schedule with the hub's preview, pausing it, firing it now (the plugin
 * receives it from the scheduler identity and the history shows the fire) and deleting it.
 */
let hub: HubProcess;
let browser: Browser;
let page: Page;
let bob: PluginClient;
let csp: string[] = [];
const pageErrors: string[] = [];

const byTestId = (id: string) => page.getByTestId(id);
const schedules = async () => (await hub.api<{ schedules: Schedule[] }>("/schedules")).schedules;
const named = async (name: string) => (await schedules()).find((s) => s.name === name);

beforeAll(async () => {
  hub = await HubProcess.start({ replica: "hub-sched" });
  browser = await launch();
  page = browser.page;
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  csp = await watchCsp(page);
  bob = await PluginClient.connect(hub.url, "bob", { project: "api" });
  await page.goto(hub.url);
  await byTestId("key-input").fill(DASHBOARD_KEY);
  await byTestId("sign-in").click();
  await byTestId("connection-state").filter({ hasText: "Live" }).waitFor();
});

afterAll(async () => {
  bob?.close();
  await browser?.close();
  await hub?.kill9();
});

describe("the Schedules view", () => {
  it("creates a schedule after showing the hub's refusal and then its next five fire times", async () => {
    await byTestId("nav-schedules").click();
    await byTestId("schedules-table").or(byTestId("empty-state")).first().waitFor();
    await byTestId("schedule-new").click();
    const form = byTestId("schedule-form");
    await form.getByTestId("schedule-expression").fill("every 2 fortnights");
    const refusal = form.getByTestId("schedule-preview-error");
    await refusal.waitFor({ timeout: 5000 });
    expect(await refusal.textContent()).toContain("VALIDATION");

    await form.getByTestId("schedule-expression").fill("every 2d at 09:00");
    await form.getByTestId("schedule-timezone").fill("Europe/Berlin");
    await expect.poll(() => form.getByTestId("schedule-preview-time").count(), { timeout: 5000 }).toBe(5);
    const preview = await hub.api<{ nextFireTimes: string[]; description: string }>("/schedules/preview", {
      method: "POST",
      body: JSON.stringify({ expression: "every 2d at 09:00", timezone: "Europe/Berlin" }),
    });
    const shown = await form
      .getByTestId("schedule-preview-time")
      .evaluateAll((els) => els.map((e) => e.getAttribute("title")));
    expect(shown).toEqual(preview.nextFireTimes);
    expect(await form.getByTestId("schedule-preview-description").textContent()).toContain(
      preview.description,
    );
    expect(await refusal.count()).toBe(0);
    // For people checking the form's layout; not published (no docs/screenshots copy).
    await page.screenshot({ path: join(SHOTS, "schedules-form.png") });

    await form.getByTestId("schedule-name").fill("api stand-up");
    await form.getByTestId("schedule-target").fill(bob.id);
    await form.getByTestId("schedule-content").fill("Post your **stand-up** in #api");
    await form.getByTestId("schedule-save").click();
    await byTestId("schedule-history").waitFor();

    const s = await named("api stand-up");
    expect(s).toMatchObject({ expression: "every 2d at 09:00", timezone: "Europe/Berlin", target: bob.id });
    expect(s?.createdBy).toMatch(/^operator@hub:cc2cc\//);
    const row = byTestId(`schedule-${s?.id}`);
    expect(await row.getByTestId("schedule-state").textContent()).toContain("active");
    expect(await row.getByTestId("schedule-description").textContent()).toContain(s?.description ?? "?");
    expect(await row.getByTestId("schedule-next").textContent()).toContain("09:00");
  });

  it("pauses and resumes", async () => {
    const s = (await named("api stand-up")) as Schedule;
    // With the history open the actions are in its panel; closed, they are in the row.
    await byTestId("schedule-history").getByRole("button", { name: "Close" }).click();
    const row = byTestId(`schedule-${s.id}`);
    await row.getByTestId("schedule-pause").click();
    await expect.poll(() => row.getByTestId("schedule-state").textContent()).toContain("paused");
    expect(await named("api stand-up")).toMatchObject({ enabled: false, state: "paused" });
    expect((await named("api stand-up"))?.nextFireAt).toBeUndefined();
    await row.getByTestId("schedule-resume").click();
    await expect.poll(() => row.getByTestId("schedule-state").textContent()).toContain("active");
    expect(await named("api stand-up")).toMatchObject({ enabled: true, state: "active" });
  });

  it("fires now: the plugin receives it from the scheduler and the history shows the fire", async () => {
    const s = (await named("api stand-up")) as Schedule;
    const row = byTestId(`schedule-${s.id}`);
    await row.getByTestId("schedule-history-button").click();
    const history = byTestId("schedule-history");
    await history.getByText("Not fired yet").waitFor();
    expect(await history.getByTestId("schedule-fire").count()).toBe(0);
    await history.getByTestId("schedule-fire-now").click();
    const fire = history.getByTestId("schedule-fire");
    await fire.first().waitFor({ timeout: 10_000 });
    expect(await fire.count()).toBe(1);
    expect(await fire.first().getByTestId("schedule-fire-outcome").textContent()).toBe("sent");
    await expect
      .poll(() => row.getByTestId("schedule-last").textContent(), { timeout: 10_000 })
      .toContain("sent");
    await expect
      .poll(() => row.getByTestId("schedule-fire-count").textContent(), { timeout: 10_000 })
      .toBe("1");

    await expect
      .poll(() => bob.received.filter((m) => m.from.endsWith(s.id)).length, { timeout: 10_000 })
      .toBe(1);
    const got = bob.received.find((m) => m.from.endsWith(s.id));
    expect(got).toMatchObject({
      from: `scheduler@hub:cc2cc/${s.id}`,
      to: bob.id,
      type: "task",
      content: "Post your **stand-up** in #api",
      metadata: { scheduleId: s.id, scheduleName: "api stand-up" },
    });
    const { fires } = await hub.api<{ fires: ScheduleFire[] }>(`/schedules/${s.id}/fires`);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ outcome: "sent", trigger: "manual", messageId: got?.id, recipients: 1 });
    expect(await history.textContent()).toContain("fired now");

    // Two more, made over REST: one refused when fired (nobody holds the role), one paused.
    const create = (body: object) =>
      hub.api<Schedule>("/schedules", { method: "POST", body: JSON.stringify(body) });
    const standup = await create({
      name: "team stand-up",
      expression: "30 9 * * 1-5",
      timezone: "Europe/Berlin",
      target: "role:team",
      messageType: "task",
      content: "Stand-up in the #team channel",
    });
    await create({
      name: "build check",
      expression: "every 90m",
      target: "topic:builds",
      persistent: true,
      messageType: "question",
      content: "Is main green?",
      enabled: false,
    });
    const refused = await hub.api<ScheduleFire>(`/schedules/${standup.id}/fire`, {
      method: "POST",
      body: "{}",
    });
    expect(refused).toMatchObject({ outcome: "refused", error: { code: "UNKNOWN_RECIPIENT" } });
    const standupRow = byTestId(`schedule-${standup.id}`);
    await expect.poll(() => standupRow.getByTestId("schedule-last").textContent()).toContain("refused");
    expect(await page.getByTestId(/^schedule-sch_/).count()).toBe(3);
    await expect.poll(() => byTestId("toast").count(), { timeout: 10_000 }).toBe(0);
    await shot(page, "schedules");
  });

  it("deletes only after confirmation", async () => {
    const s = (await named("api stand-up")) as Schedule;
    const row = byTestId(`schedule-${s.id}`);
    const history = byTestId("schedule-history");
    await history.getByTestId("schedule-delete").click();
    expect(await byTestId("confirm-dialog").textContent()).toContain("cannot be undone");
    await byTestId("confirm-cancel").click();
    expect((await schedules()).map((x) => x.id)).toContain(s.id);
    await history.getByTestId("schedule-delete").click();
    await byTestId("confirm-ok").click();
    await row.waitFor({ state: "detached" });
    expect((await schedules()).map((x) => x.id)).not.toContain(s.id);
    const res = await fetch(`${hub.url}/api/schedules/${s.id}`, {
      headers: { authorization: `Bearer ${DASHBOARD_KEY}` },
    });
    expect(res.status).toBe(404);
    expect(await byTestId("schedule-history").count()).toBe(0);
  });

  it("shows a schedule created elsewhere, and its own fire, live from the hub's events", async () => {
    const at = new Date(Date.now() + 3000).toISOString();
    const s = await hub.api<Schedule>("/schedules", {
      method: "POST",
      body: JSON.stringify({
        name: "one-shot reminder",
        expression: `at ${at}`,
        target: bob.id,
        messageType: "question",
        content: "did the deploy finish?",
      }),
    });
    // The view polls every 30 s: within a few seconds only the events can have brought these.
    const row = byTestId(`schedule-${s.id}`);
    await row.waitFor({ timeout: 2500 });
    expect(await row.getByTestId("schedule-state").textContent()).toContain("active");
    await expect
      .poll(() => row.getByTestId("schedule-state").textContent(), { timeout: 8000 })
      .toContain("completed");
    await expect
      .poll(() => row.getByTestId("schedule-last").textContent(), { timeout: 3000 })
      .toContain("sent");
    expect(await row.getByTestId("schedule-fire-count").textContent()).toBe("1");
    expect(bob.received.filter((m) => m.from === `scheduler@hub:cc2cc/${s.id}`)).toHaveLength(1);
    expect(csp).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

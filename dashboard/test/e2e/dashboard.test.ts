import type { AnalyticsResponse, InstanceInfo, QueueStats, TopicInfo } from "@cc2cc/shared";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, launch, shot, watchCsp } from "./helpers/browser";
import { PluginClient } from "./helpers/plugin-client";
import { DASHBOARD_KEY, HubProcess, PLUGIN_KEY, RedisProcess } from "./helpers/processes";

/**
 * The dashboard in Debian's Chromium against two real hub replicas on one real Redis, with real
 * plugin connections (socket.io-client) as the instances. The tests run in order and share the
 * team they build up, like an operator's session would.
 */
let redis: RedisProcess;
let ra: HubProcess;
let rb: HubProcess;
let browser: Browser;
let page: Page;
let alice: PluginClient;
let bob: PluginClient;
const clients: PluginClient[] = [];
const pageErrors: string[] = [];
let cspViolations: string[] = [];
let dialogs = 0;

const byTestId = (id: string) => page.getByTestId(id);
async function go(view: string): Promise<void> {
  await byTestId(`nav-${view}`).click();
  await page.waitForURL((u) => (view === "live" ? u.pathname === "/" : u.pathname.startsWith(`/${view}`)));
}
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  redis = await RedisProcess.start();
  [ra, rb] = await Promise.all([
    HubProcess.start({ replica: "hub-a", redisUrl: redis.url }),
    HubProcess.start({ replica: "hub-b", redisUrl: redis.url }),
  ]);
  browser = await launch();
  page = browser.page;
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  // Watched from the first page load on: every step below runs under the hub's CSP.
  cspViolations = await watchCsp(page);
  // An alert would mean message content ran as code.
  page.on("dialog", (d) => {
    dialogs++;
    void d.dismiss();
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await Promise.all([ra?.kill9(), rb?.kill9()]);
  await redis?.stop();
});

describe("cc2cc dashboard in a real browser", () => {
  it("refuses a wrong key, names a plugin key, and signs in with the dashboard key", async () => {
    await page.goto(ra.url);
    await byTestId("key-input").fill("not-the-right-key-123");
    await byTestId("sign-in").click();
    await expect.poll(() => byTestId("sign-in-error").textContent()).toContain("refused");
    await byTestId("key-input").fill(PLUGIN_KEY);
    await byTestId("sign-in").click();
    await expect.poll(() => byTestId("sign-in-error").textContent()).toContain("plugin key");

    await byTestId("key-input").fill(DASHBOARD_KEY);
    await byTestId("sign-in").click();
    await expect.poll(() => byTestId("connection-state").textContent()).toContain("Live");
    expect(page.url()).not.toContain(DASHBOARD_KEY);
    expect(await page.evaluate(() => sessionStorage.getItem("cc2cc.dashboardKey"))).toBe(DASHBOARD_KEY);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(DASHBOARD_KEY);
    const bundle = await (await fetch(`${ra.url}/`)).text();
    expect(bundle).not.toContain(DASHBOARD_KEY);
  });

  it("shows both instances and a message between them in the feed, rendered safely", async () => {
    alice = await PluginClient.connect(ra.url, "alice", { project: "webapp" });
    bob = await PluginClient.connect(rb.url, "bob", { project: "api", role: "reviewer" });
    clients.push(alice, bob);
    await byTestId(`instance-${alice.id}`).waitFor();
    await byTestId(`instance-${bob.id}`).waitFor();

    const task = await alice.send({
      to: bob.id,
      type: "task",
      content: 'Please review **PR 42** <img src=x onerror="alert(1)"> [x](javascript:alert(2))',
    });
    const row = byTestId("feed-message").filter({ hasText: "Please review" });
    await row.waitFor();
    expect(await row.locator("strong").textContent()).toBe("PR 42");
    expect(await byTestId("feed").locator("img, script, iframe").count()).toBe(0);
    await expect.poll(() => row.getByTestId("ack-state").textContent()).toContain("1/1");
    expect(task.recipients).toEqual([bob.id]);
    expect(dialogs).toBe(0);
  });

  it("groups the reply with its task in Conversations, with delivery state", async () => {
    const page1 = await ra.api<{ entries: Array<{ event: { type: string; message?: { id: string } } }> }>(
      `/history?type=task&instance=${encodeURIComponent(bob.id)}`,
    );
    const taskId = page1.entries[0]!.event.message!.id;
    await bob.send({
      to: alice.id,
      type: "result",
      content: "Reviewed: two nits, otherwise fine.",
      replyTo: taskId,
    });
    await go("conversations");
    const thread = byTestId("thread").filter({ hasText: "Please review" });
    await expect.poll(() => thread.textContent(), { timeout: 10_000 }).toContain("2");
    await thread.click();
    await expect.poll(() => byTestId("thread-message").count()).toBe(2);
    await byTestId("thread-message").first().click();
    await expect.poll(() => byTestId("delivery").textContent()).toMatch(/replied|acknowledged/);
  });

  it("sends from the send bar to an instance (Enter sends, Shift+Enter is a new line)", async () => {
    await go("live");
    await byTestId("send-to").fill(bob.id);
    const box = byTestId("send-content");
    await box.click();
    await page.keyboard.type("Status?");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("Reply when you can.");
    await page.keyboard.press("Enter");
    const got = await until("bob to receive the operator's message", async () =>
      bob.received.find((m) => m.content.startsWith("Status?")),
    );
    expect(got.content).toBe("Status?\nReply when you can.");
    expect(got.from).toBe("operator@hub:cc2cc/hub-a");
    // The box clears when the hub's reply arrives, which may be after bob already has the message.
    await byTestId("toast").filter({ hasText: "Queued for 1" }).waitFor();
    await expect.poll(() => box.inputValue()).toBe("");
  });

  it("creates and deletes a topic, confirming the delete", async () => {
    await go("topics");
    await byTestId("topic-name").fill("e2e-ops");
    await byTestId("topic-create-button").click();
    await byTestId("topic-e2e-ops").waitFor();
    expect((await ra.api<{ topics: TopicInfo[] }>("/topics")).topics.map((t) => t.name)).toContain("e2e-ops");
    await byTestId("topic-delete-e2e-ops").click();
    await byTestId("confirm-dialog").waitFor();
    await byTestId("confirm-ok").click();
    await byTestId("topic-e2e-ops").waitFor({ state: "detached" });
    expect((await ra.api<{ topics: TopicInfo[] }>("/topics")).topics.map((t) => t.name)).not.toContain(
      "e2e-ops",
    );
  });

  it("inspects and flushes a queue only after confirmation, then removes the stale instance", async () => {
    const dave = await PluginClient.connect(rb.url, "dave", { project: "batch" });
    dave.close();
    await until("dave offline", async () => {
      const { instances } = await ra.api<{ instances: InstanceInfo[] }>("/instances");
      return instances.find((i) => i.instanceId === dave.id)?.online === false;
    });
    for (let i = 1; i <= 3; i++) await alice.send({ to: dave.id, type: "task", content: `batch job ${i}` });
    await go("queues");
    const row = byTestId(`queue-${dave.id}`);
    await expect.poll(() => row.locator("td.num").first().textContent(), { timeout: 10_000 }).toBe("3");
    await row.getByTestId("queue-inspect").click();
    await expect.poll(() => byTestId("queued-message").count()).toBe(3);

    const stats = () => ra.api<{ stats: QueueStats }>(`/instances/${encodeURIComponent(dave.id)}/queue`);
    await row.getByTestId("queue-flush").click();
    await byTestId("confirm-cancel").click();
    expect((await stats()).stats.pending).toBe(3);
    await row.getByTestId("queue-flush").click();
    expect(await byTestId("confirm-dialog").textContent()).toContain("cannot be undone");
    await byTestId("confirm-ok").click();
    await until("the flush", async () => (await stats()).stats.pending === 0);

    await row.getByTestId("instance-remove").click();
    await byTestId("confirm-ok").click();
    await row.waitFor({ state: "detached" });
    const res = await fetch(`${ra.url}/api/instances/${encodeURIComponent(dave.id)}`, {
      headers: { authorization: `Bearer ${DASHBOARD_KEY}` },
    });
    expect(res.status).toBe(404);
  });

  it("renders analytics from the hub's data", async () => {
    await go("analytics");
    const server = await ra.api<AnalyticsResponse>("/history/analytics?range=1h");
    const total = Object.values(server.totals).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(6);
    await expect.poll(() => byTestId("total-messages").textContent()).toContain(String(total));
    await expect.poll(() => byTestId("total-task").textContent()).toContain(String(server.totals.task));
    expect(await byTestId("rate-chart").locator("canvas").count()).toBeGreaterThan(0);
    expect(await byTestId("top-sender").first().textContent()).toContain("alice@e2e-host:webapp");
    expect(await byTestId("latency").textContent()).toMatch(/p50 \d/);
  });

  it("draws the graph and lists both replicas in Cluster", async () => {
    await go("graph");
    await byTestId("graph").locator("canvas").first().waitFor();
    await go("cluster");
    for (const r of ["hub-a", "hub-b"]) {
      await expect.poll(() => byTestId(`replica-${r}`).textContent(), { timeout: 10_000 }).toContain("live");
    }
  });

  it("shows a banner while the hub is away and catches up once it is back", async () => {
    await go("live");
    const port = ra.port;
    await ra.stop();
    await byTestId("connection-banner").waitFor({ timeout: 10_000 });
    // While the page's replica is down the team keeps talking through the other one.
    const carol = await PluginClient.connect(rb.url, "carol", { project: "api" });
    clients.push(carol);
    await carol.send({ to: bob.id, type: "question", content: "Sent while the dashboard was cut off" });
    ra = await HubProcess.start({ replica: "hub-a", redisUrl: redis.url, port });
    await byTestId("connection-banner").waitFor({ state: "detached", timeout: 20_000 });
    await expect.poll(() => byTestId("connection-state").textContent()).toContain("Live");
    await byTestId("feed-message")
      .filter({ hasText: "Sent while the dashboard was cut off" })
      .waitFor({ timeout: 10_000 });
  });

  it("looks right in both themes (screenshots)", async () => {
    const q = await alice.send({
      to: bob.id,
      type: "question",
      content:
        "Which of these should land first?\n\n1. `auth` refactor\n2. rate limits\n\n> blocked on review",
    });
    const a = await bob.send({
      to: alice.id,
      type: "result",
      replyTo: q.message.id,
      content:
        "**Rate limits first**: the auth refactor touches the same middleware.\n\n```ts\napp.use(rateLimit({ perSender: 20 }))\n```",
    });
    await alice.send({ to: bob.id, type: "ack", replyTo: a.message.id, content: "Agreed, starting on it." });
    await page.getByText("Agreed, starting on it.").first().waitFor();
    // Toasts from the steps before would cover the pictures.
    await expect.poll(() => byTestId("toast").count(), { timeout: 10_000 }).toBe(0);
    await shot(page, "live-dark");
    await byTestId("theme-toggle").click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    await page.waitForTimeout(200);
    await shot(page, "live-light");
    await byTestId("theme-toggle").click();
    for (const view of ["conversations", "topics", "queues", "analytics", "graph", "cluster"]) {
      await go(view);
      await page.waitForTimeout(view === "graph" ? 2500 : 800);
      if (view === "conversations") {
        await byTestId("thread").filter({ hasText: "Which of these should land first?" }).click();
        await byTestId("thread-message").filter({ hasText: "Rate limits first" }).click();
      }
      await page.waitForTimeout(300);
      await shot(page, `${view}-dark`);
    }
    expect(pageErrors).toEqual([]);
    expect(dialogs).toBe(0);
  });

  it("serves the dashboard with a strict CSP that no view breaks", async () => {
    for (const path of ["/", "/queues", "/favicon.svg"]) {
      const res = await fetch(`${ra.url}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("img-src 'self' data:");
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).not.toContain("unsafe-");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    // The live socket is a same-origin WebSocket under `connect-src 'self'`.
    await go("live");
    await expect.poll(() => byTestId("connection-state").textContent()).toContain("Live");
    for (const view of ["conversations", "topics", "queues", "analytics", "graph", "cluster"]) {
      await go(view);
      if (view === "conversations") await byTestId("thread").first().click();
      if (view === "queues") {
        await byTestId("queue-inspect").first().click();
        await byTestId("dead-letters").waitFor();
      }
      if (view === "analytics" || view === "cluster") {
        // Tooltips are the one place ECharts could write HTML with style attributes.
        const chart = page.locator("canvas").first();
        await chart.waitFor();
        await chart.hover();
        await page.mouse.move(700, 300, { steps: 5 });
      }
      if (view === "graph") await page.locator("canvas").first().hover();
      await page.waitForTimeout(500);
    }
    expect(cspViolations).toEqual([]);

    // The watch itself works: an inline style attribute is refused and reported.
    await page.evaluate(() => {
      const el = document.createElement("div");
      el.setAttribute("style", "color: red");
      document.body.append(el);
    });
    await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
    expect(cspViolations.join("\n")).toMatch(/style-src/);
    expect(pageErrors).toEqual([]);
  });
});

import type { Schedule, ScheduleFire } from "@cc2cc/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byId, Cluster, KEY, protocolComplaints } from "../helpers/cluster.js";
import type { PluginProcess } from "../helpers/plugin-process.js";

/**
 * The five schedule tools end to end: real plugin processes over stdio, two hub replicas on one
 * Redis, and the fired messages arriving at another plugin as channel notifications from the
 * scheduler identity.
 */
let cluster: Cluster;
let alice: PluginProcess;
let bob: PluginProcess;
let carol: PluginProcess;
let ids: Record<"alice" | "bob" | "carol", string>;

type View = Schedule & { nextFire?: string };
type Inbox = { messages: Array<{ id: string; from: string; content: string; metadata?: object }> };

/** The REST API as the dashboard uses it (no dashboard key is configured: plugin keys may). */
async function rest<T>(path: string, method = "GET", body?: unknown): Promise<T> {
  const res = await fetch(`${cluster.proxy.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const fireNow = (id: string) => rest<ScheduleFire>(`/schedules/${id}/fire`, "POST", {});
const fromScheduler = (id: string) => `scheduler@hub:cc2cc/${id}`;

beforeAll(async () => {
  cluster = await Cluster.start();
  [alice, bob] = await Promise.all([cluster.plugin("alice"), cluster.plugin("bob")]);
  carol = await cluster.plugin("carol", { hubUrl: cluster.hubB.url });
  const [a, b, c] = await Promise.all([alice.connected(), bob.connected(), carol.connected()]);
  ids = { alice: a.instanceId, bob: b.instanceId, carol: c.instanceId };
});

afterAll(async () => {
  await cluster?.close();
});

describe("scheduled messages through the plugin tools", () => {
  it("fires a one-shot `at` schedule once, from the scheduler identity, with its metadata", async () => {
    const at = new Date(Date.now() + 4000).toISOString();
    const created = await alice.callRaw("create_schedule", {
      name: "review reminder",
      expression: `at ${at}`,
      target: ids.bob,
      messageType: "task",
      content: "review PR 12 before lunch",
      metadata: { pr: 12 },
    });
    expect(created.isError).toBeFalsy();
    const s = created.structuredContent as View;
    expect(s).toMatchObject({ kind: "once", state: "active", fireCount: 0, createdBy: ids.alice });
    expect(Date.parse(s.nextFireAt ?? "")).toBe(Date.parse(at));
    const text = created.content.map((c) => (c.type === "text" ? c.text : "")).join("");
    expect(text).toContain(`Created ${s.id} "review reminder": ${s.description}`);
    expect(text).toMatch(/next \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in \d+ s\)/);

    const event = await bob.waitFor((e) => e.meta.from === fromScheduler(s.id), 15_000);
    expect(event.content).toBe("review PR 12 before lunch");
    expect(event.meta).toMatchObject({ source: "cc2cc", type: "task" });
    // The tag carries no metadata; get_messages shows it, with the hub's schedule keys.
    const inbox = await bob.call<Inbox>("get_messages", { limit: 100 });
    expect(inbox.messages.find((m) => m.id === event.meta.message_id)?.metadata).toEqual({
      pr: 12,
      scheduleId: s.id,
      scheduleName: "review reminder",
    });

    const got = await alice.call<{ schedule: View; fires: ScheduleFire[] }>("get_schedule", {
      scheduleId: s.id,
    });
    expect(got.schedule).toMatchObject({ state: "completed", fireCount: 1 });
    expect(got.schedule.nextFireAt).toBeUndefined();
    expect(got.fires).toHaveLength(1);
    expect(got.fires[0]).toMatchObject({
      outcome: "sent",
      trigger: "schedule",
      messageId: event.meta.message_id,
      recipients: 1,
    });
    expect(Date.parse(got.fires[0]?.plannedAt ?? "")).toBe(Date.parse(at));
    // Exactly once across both replicas.
    await new Promise((r) => setTimeout(r, 1500));
    expect(bob.events.filter((e) => e.meta.from === fromScheduler(s.id))).toHaveLength(1);
  });

  it("lists, fires, pauses, edits, resumes and deletes a recurring schedule", async () => {
    const s = await alice.call<View>("create_schedule", {
      name: "hourly check",
      expression: "every 1h",
      target: "bob@e2e:proj",
      messageType: "question",
      content: "anything blocked?",
      maxFireCount: 50,
    });
    expect(s).toMatchObject({ kind: "interval", state: "active", maxFireCount: 50 });
    expect(s.nextFire).toMatch(/UTC \(in (59 min|1 h 0 min)\)$/);

    const mine = await alice.call<{ schedules: View[] }>("list_schedules", { mine: true });
    expect(mine.schedules.map((x) => x.id)).toContain(s.id);
    expect((await bob.call<{ schedules: View[] }>("list_schedules", { mine: true })).schedules).toEqual([]);
    const all = await bob.callRaw("list_schedules", {});
    expect((all.structuredContent as { schedules: View[] }).schedules.map((x) => x.id)).toContain(s.id);
    expect(all.content[0]?.type === "text" && all.content[0].text).toContain(
      `"hourly check": ${s.description}`,
    );

    const manual = await fireNow(s.id);
    expect(manual).toMatchObject({ scheduleId: s.id, outcome: "sent", trigger: "manual" });
    const first = await bob.waitFor(byId(manual.messageId));
    expect(first).toEqual({
      content: "anything blocked?",
      meta: { source: "cc2cc", from: fromScheduler(s.id), type: "question", message_id: manual.messageId },
    });

    const paused = await alice.call<View>("update_schedule", {
      scheduleId: s.id,
      enabled: false,
      content: "anything blocked today?",
    });
    expect(paused).toMatchObject({ state: "paused", enabled: false, content: "anything blocked today?" });
    expect(paused.nextFireAt).toBeUndefined();
    const resumed = await alice.call<View>("update_schedule", {
      scheduleId: s.id,
      enabled: true,
      maxFireCount: null,
    });
    expect(resumed).toMatchObject({ state: "active", enabled: true });
    expect(resumed.maxFireCount).toBeUndefined();
    expect(resumed.nextFireAt).toBeDefined();

    const second = await fireNow(s.id);
    expect((await bob.waitFor(byId(second.messageId))).content).toBe("anything blocked today?");
    const got = await alice.call<{ schedule: View; fires: ScheduleFire[] }>("get_schedule", {
      scheduleId: s.id,
    });
    expect(got.fires.map((f) => f.messageId)).toEqual([second.messageId, manual.messageId]);
    expect(got.schedule.fireCount).toBe(2);

    const gone = await alice.call<{ scheduleId: string; deleted: boolean }>("delete_schedule", {
      scheduleId: s.id,
    });
    expect(gone).toEqual({ scheduleId: s.id, deleted: true });
    const missing = await alice.failure("get_schedule", { scheduleId: s.id });
    expect(missing.code).toBe("NOT_FOUND");
    expect(missing.message).toContain("list_schedules");
    const left = await alice.call<{ schedules: View[] }>("list_schedules", { mine: true });
    expect(left.schedules.map((x) => x.id)).not.toContain(s.id);
  });

  it("lets only sessions of the creating address change a schedule", async () => {
    const s = await alice.call<View>("create_schedule", {
      name: "nightly",
      expression: "0 2 * * *",
      timezone: "Europe/Berlin",
      target: "role:ops",
      messageType: "task",
      content: "rotate the logs",
    });
    expect(s).toMatchObject({ kind: "cron", timezone: "Europe/Berlin" });
    expect(s.nextFire).toMatch(/^\d{4}-\d\d-\d\d 02:00 Europe\/Berlin/);
    const update = await carol.failure("update_schedule", { scheduleId: s.id, enabled: false });
    expect(update.code).toBe("FORBIDDEN");
    expect(update.message).toContain("createdBy");
    expect((await carol.failure("delete_schedule", { scheduleId: s.id })).code).toBe("FORBIDDEN");
    // Another session of alice@e2e:proj is the same address: it may.
    const alice2 = await cluster.plugin("alice");
    await alice2.connected();
    expect(
      await alice2.call<View>("update_schedule", { scheduleId: s.id, name: "nightly logs" }),
    ).toMatchObject({
      name: "nightly logs",
    });
    expect(await alice2.call("delete_schedule", { scheduleId: s.id })).toMatchObject({ deleted: true });
    await cluster.stop(alice2);
  });

  it("refuses an expression it cannot read, or too frequent, with VALIDATION naming the accepted forms", async () => {
    const mine = async () =>
      (await alice.call<{ schedules: View[] }>("list_schedules", { mine: true })).schedules;
    const before = (await mine()).length;
    const base = { name: "bad", target: ids.bob, messageType: "task", content: "x" };
    for (const expression of ["every 2 fortnights", "every 30s", "* * * * * *"]) {
      const err = await alice.failure("create_schedule", { ...base, expression });
      expect(err.code, expression).toBe("VALIDATION");
      expect((err.result.structuredContent as { error: { field?: string } }).error.field, expression).toBe(
        "expression",
      );
      expect(err.message, expression).toMatch(/Fix expression/);
    }
    const unreadable = await alice.failure("create_schedule", { ...base, expression: "every 2 fortnights" });
    for (const form of ["cron", "every", "in", "at"]) expect(unreadable.message).toContain(form);
    expect(await mine()).toHaveLength(before);
  });

  it("never saw the hub answer off the shared protocol", () => {
    expect(protocolComplaints()).toEqual([]);
  });
});

import type { ErrorBody, Schedule, ScheduleFire, SchedulePreview } from "@cc2cc/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCEPTED_FORMS } from "../../src/scheduler/expression.js";
import { createRedisScheduleStore } from "../../src/scheduler/redis-schedule-store.js";
import { fireMessageId } from "../../src/scheduler/schedule-record.js";
import type { ScheduleStore } from "../../src/scheduler/schedule-store.js";
import { expectError, type Stack, sleep, withStack } from "../e2e/stack.js";
import { PLUGIN_KEY } from "../helpers/hub-process.js";
import { makeInstanceId, type TestClient } from "../helpers/test-client.js";
import { api, apiOk } from "./scheduler-e2e.js";
import { stored } from "./store-contract.js";

const body = (over: Record<string, unknown> = {}) => ({
  name: "stand-up",
  expression: "every 1d at 09:00",
  target: "broadcast",
  messageType: "task",
  content: "post your stand-up",
  ...over,
});
const inMs = (ms: number) => `at ${new Date(Date.now() + ms).toISOString()}`;

/** The schedule API end to end on a real hub and Redis: REST, plugin requests, firing rules. */
describe("schedules API and firing rules", () => {
  let stack: Stack;
  let redis: Redis;
  let store: ScheduleStore;
  let recipient: TestClient;

  withStack(
    {
      engine: "redis",
      env: {
        CC2CC_SCHEDULE_POLL_MS: "200",
        CC2CC_SCHEDULE_MISSED_GRACE: "10s",
        CC2CC_SCHEDULE_TIMEZONE: "Europe/Berlin",
      },
    },
    (s) => {
      stack = s;
    },
  );
  beforeAll(async () => {
    redis = new Redis(stack.redis!.url);
    // The hub's own store, reached directly to seed states a test cannot wait for.
    store = createRedisScheduleStore(redis, { prefix: "cc2cc:", historyMax: 100 });
    recipient = await stack.client();
  }, 30_000);
  afterAll(() => {
    redis.disconnect();
  });

  const get = (id: string) =>
    apiOk<{ schedule: Schedule; fires: ScheduleFire[] }>(stack.hub, "GET", `/${id}`);

  test("REST: create, list, get, update, fire now, history, preview, delete", async () => {
    const created = await api<Schedule>(
      stack.hub,
      "POST",
      "",
      body({ target: recipient.instanceId, metadata: { team: "core" } }),
    );
    expect(created.status).toBe(201);
    const s = created.data;
    expect(s).toMatchObject({
      kind: "interval",
      timezone: "Europe/Berlin", // the hub's CC2CC_SCHEDULE_TIMEZONE
      description: "every day at 09:00 (Europe/Berlin)",
      state: "active",
      enabled: true,
      fireCount: 0,
      missedPolicy: "fire_once",
      createdBy: `operator@hub:cc2cc/${stack.hub.replica}`,
    });
    expect(Date.parse(s.nextFireAt!)).toBeGreaterThan(Date.now());
    const mine = await apiOk<{ schedules: Schedule[] }>(
      stack.hub,
      "GET",
      `?createdBy=${encodeURIComponent(s.createdBy)}`,
    );
    expect(mine.schedules.map((x) => x.id)).toContain(s.id);
    expect(
      (await apiOk<{ schedules: Schedule[] }>(stack.hub, "GET", "?createdBy=nobody@x:y/z")).schedules,
    ).toEqual([]);

    const updated = await apiOk<Schedule>(stack.hub, "PATCH", `/${s.id}`, {
      content: "v2",
      expression: "0 9 * * 1-5",
      timezone: "UTC",
    });
    expect(updated).toMatchObject({
      content: "v2",
      kind: "cron",
      timezone: "UTC",
      description: "At 09:00, Monday through Friday (UTC)",
    });
    expect(new Date(updated.nextFireAt!).getUTCHours()).toBe(9);

    const fired = await apiOk<ScheduleFire>(stack.hub, "POST", `/${s.id}/fire`);
    expect(fired).toMatchObject({ outcome: "sent", trigger: "manual", covers: 1, recipients: 1 });
    const got = await recipient.waitForDelivery((m) => m.id === fired.messageId);
    expect(got.message).toMatchObject({
      from: `scheduler@hub:cc2cc/${s.id}`,
      content: "v2",
      metadata: { team: "core", scheduleId: s.id, scheduleName: "stand-up" },
    });
    const after = await get(s.id);
    expect(after.schedule.fireCount).toBe(1);
    expect(after.schedule.nextFireAt).toBe(updated.nextFireAt); // fire now does not move the plan
    expect(after.fires).toEqual([fired]);
    expect(
      (await apiOk<{ fires: ScheduleFire[] }>(stack.hub, "GET", `/${s.id}/fires?limit=1`)).fires,
    ).toEqual([fired]);

    const preview = await apiOk<SchedulePreview>(stack.hub, "POST", "/preview", {
      expression: "30 2 * * *",
      timezone: "Europe/Berlin",
    });
    expect(preview.kind).toBe("cron");
    expect(preview.nextFireTimes).toHaveLength(5);
    const three = await apiOk<SchedulePreview>(stack.hub, "POST", "/preview", {
      expression: "every 90m",
      count: 3,
    });
    const gaps = three.nextFireTimes
      .slice(1)
      .map((t, i) => Date.parse(t) - Date.parse(three.nextFireTimes[i]!));
    expect(gaps).toEqual([90 * 60_000, 90 * 60_000]);

    expect(await apiOk(stack.hub, "DELETE", `/${s.id}`)).toEqual({ scheduleId: s.id, deleted: true });
    expect((await api<ErrorBody>(stack.hub, "GET", `/${s.id}`)).data.code).toBe("NOT_FOUND");
    expect((await api<ErrorBody>(stack.hub, "DELETE", `/${s.id}`)).status).toBe(404);
  });

  test("REST writes need the dashboard key; reads take any key", async () => {
    const refused = await api<ErrorBody>(stack.hub, "POST", "", body(), PLUGIN_KEY);
    expect(refused.status).toBe(403);
    expect(refused.data.code).toBe("FORBIDDEN");
    expect((await api(stack.hub, "GET", "", undefined, PLUGIN_KEY)).status).toBe(200);
    expect((await api(stack.hub, "POST", "/preview", { expression: "every 1h" }, PLUGIN_KEY)).status).toBe(
      200,
    );
    expect((await api(stack.hub, "GET", "", undefined, "wrong-key-123456")).status).toBe(401);
  });

  test("bad expressions and zones are VALIDATION naming the field and the accepted forms", async () => {
    for (const expression of [
      "every 30s",
      "every 0m",
      "*/5 * * * * *",
      "tomorrow at nine",
      "at 2001-01-01T00:00:00Z",
    ]) {
      const { status, data } = await api<ErrorBody>(stack.hub, "POST", "", body({ expression }));
      expect(status, expression).toBe(400);
      expect(data).toMatchObject({ code: "VALIDATION", field: "expression" });
      if (!expression.startsWith("at ")) expect(data.message).toContain(ACCEPTED_FORMS);
    }
    const zone = await api<ErrorBody>(stack.hub, "POST", "", body({ timezone: "Mars/Olympus" }));
    expect(zone.data).toMatchObject({ code: "VALIDATION", field: "timezone" });
    const preview = await api<ErrorBody>(stack.hub, "POST", "/preview", { expression: "every 2x" });
    expect(preview.data).toMatchObject({ code: "VALIDATION", field: "expression" });
    const reply = await recipient.request("create_schedule", body({ expression: "every 10s" }) as never);
    expect(expectError(reply, "VALIDATION").field).toBe("expression");
    const missing = await recipient.request("create_schedule", { name: "x" } as never);
    expect(expectError(missing, "VALIDATION").field).toBe("expression");
  });

  test("plugin requests: create, list mine, get, update, delete; FORBIDDEN for another address", async () => {
    const alice = await stack.client({ instanceId: makeInstanceId("alice-sched", "proj") });
    const aliceAgain = await stack.client({ instanceId: makeInstanceId("alice-sched", "proj") }); // after /clear
    const bob = await stack.client({ instanceId: makeInstanceId("bob-sched", "proj") });
    const s = await alice.ok("create_schedule", {
      ...body({ target: "role:nobody" }),
      messageType: "task",
    } as never);
    expect(s.createdBy).toBe(alice.instanceId);
    expect((await alice.ok("list_schedules", { mine: true })).schedules.map((x) => x.id)).toEqual([s.id]);
    expect((await bob.ok("list_schedules", { mine: true })).schedules).toEqual([]);
    expect((await bob.ok("list_schedules", {})).schedules.map((x) => x.id)).toContain(s.id);
    expect((await bob.ok("get_schedule", { scheduleId: s.id })).schedule.id).toBe(s.id);
    expectError(await bob.request("update_schedule", { scheduleId: s.id, content: "mine now" }), "FORBIDDEN");
    expectError(await bob.request("delete_schedule", { scheduleId: s.id }), "FORBIDDEN");
    const paused = await aliceAgain.ok("update_schedule", {
      scheduleId: s.id,
      enabled: false,
      maxFireCount: 3,
    });
    expect(paused).toMatchObject({ enabled: false, state: "paused", maxFireCount: 3 });
    expect(paused.nextFireAt).toBeUndefined();
    const cleared = await alice.ok("update_schedule", {
      scheduleId: s.id,
      enabled: true,
      maxFireCount: null,
    });
    expect(cleared.state).toBe("active");
    expect(cleared.maxFireCount).toBeUndefined();
    expectError(
      await alice.request("get_schedule", { scheduleId: "sch_00000000000000000000000000000000" }),
      "NOT_FOUND",
    );
    expect(await aliceAgain.ok("delete_schedule", { scheduleId: s.id })).toEqual({
      scheduleId: s.id,
      deleted: true,
    });
  });

  test("scheduled fires: sent from the scheduler identity, paused ones never, refusals recorded", async () => {
    const soon = inMs(1500);
    const make = (over: Record<string, unknown>) =>
      apiOk<Schedule>(stack.hub, "POST", "", body({ expression: soon, ...over }));
    const sent = await make({ name: "on-time", target: recipient.instanceId });
    const pausedLater = await make({ name: "paused-later", target: recipient.instanceId });
    const createdPaused = await make({
      name: "created-paused",
      target: recipient.instanceId,
      enabled: false,
    });
    const unknown = await make({ name: "unknown", target: makeInstanceId("ghost") });
    const noTopic = await make({ name: "no-topic", target: "topic:never-created-here" });
    await apiOk(stack.hub, "PATCH", `/${pausedLater.id}`, { enabled: false });
    expect(createdPaused.state).toBe("paused");

    const planned = Date.parse(soon.slice(3));
    const delivery = await recipient.waitForDelivery((m) => m.metadata?.scheduleId === sent.id, 10_000);
    expect(delivery.message.id).toBe(fireMessageId(sent.id, planned));
    expect(delivery.message.from).toBe(`scheduler@hub:cc2cc/${sent.id}`);
    for (const id of [unknown.id, noTopic.id]) {
      for (let i = 0; i < 50 && (await get(id)).fires.length === 0; i++) await sleep(100);
    }
    await sleep(800);
    const [a, b, c, d, e] = await Promise.all(
      [sent, pausedLater, createdPaused, unknown, noTopic].map((s) => get(s.id)),
    );
    expect(a!.schedule).toMatchObject({ state: "completed", fireCount: 1 });
    expect(a!.fires).toMatchObject([
      {
        outcome: "sent",
        trigger: "schedule",
        covers: 1,
        recipients: 1,
        plannedAt: new Date(planned).toISOString(),
      },
    ]);
    for (const p of [b!, c!]) {
      expect(p.schedule).toMatchObject({ state: "paused", fireCount: 0 });
      expect(p.fires).toEqual([]);
    }
    expect(
      recipient.messagesWith(
        (m) => m.metadata?.scheduleId === pausedLater.id || m.metadata?.scheduleId === createdPaused.id,
      ),
    ).toEqual([]);
    expect(d!.fires).toMatchObject([{ outcome: "refused", error: { code: "UNKNOWN_RECIPIENT" } }]);
    expect(e!.fires).toMatchObject([{ outcome: "refused", error: { code: "NOT_FOUND" } }]);
    expect(d!.schedule).toMatchObject({ state: "completed", fireCount: 1 });
    const metrics = await (await stack.hub.fetch("/metrics")).text();
    expect(metrics).toMatch(/cc2cc_schedule_fires_total\{outcome="sent",trigger="schedule"\} [1-9]/);
    expect(metrics).toMatch(/cc2cc_schedule_fires_total\{outcome="refused",trigger="schedule"\} [1-9]/);
  }, 20_000);

  test("fire now racing itself and a due planned fire never passes maxFireCount", async () => {
    const now = Number((await redis.time())[0]) * 1000;
    const s = stored(
      { next: now + 300, max: 3 },
      { expression: "every 1h", maxFireCount: 3, target: recipient.instanceId, content: "capped race" },
    );
    await store.create(s, 1000);
    await sleep(300);
    // Twelve operators press "fire now" at once while the planned fire comes due.
    const presses = await Promise.all(
      Array.from({ length: 12 }, () =>
        api<ScheduleFire | ErrorBody>(stack.hub, "POST", `/${s.config.id}/fire`),
      ),
    );
    const fired = presses.filter((p) => p.status === 200).length;
    for (const p of presses.filter((p) => p.status !== 200))
      expect((p.data as ErrorBody).code).toBe("CONFLICT");
    await waitForCount(s.config.id, 3);
    await sleep(500); // a planned fire that slipped past the cap would land in this time
    const after = await get(s.config.id);
    expect(after.schedule).toMatchObject({ state: "completed", fireCount: 3 });
    expect(after.fires.filter((f) => f.outcome === "sent")).toHaveLength(3);
    const got = recipient.messagesWith((m) => m.metadata?.scheduleId === s.config.id);
    expect(new Set(got.map((d) => d.message.id)).size).toBe(3);
    console.log(
      `fire-now race: presses=12 manual_fired=${fired} planned_fired=${3 - fired} delivered=${got.length}`,
    );
  }, 20_000);

  const waitForCount = async (id: string, n: number) => {
    const until = Date.now() + 5000;
    while ((await get(id)).schedule.fireCount < n && Date.now() < until) await sleep(50);
  };

  test("maxFireCount and expiresAt are respected", async () => {
    const capped = await apiOk<Schedule>(
      stack.hub,
      "POST",
      "",
      body({ expression: "every 1h", maxFireCount: 2, target: recipient.instanceId }),
    );
    await apiOk(stack.hub, "POST", `/${capped.id}/fire`);
    await apiOk(stack.hub, "POST", `/${capped.id}/fire`);
    expect((await get(capped.id)).schedule).toMatchObject({ state: "completed", fireCount: 2 });
    expect((await api<ErrorBody>(stack.hub, "POST", `/${capped.id}/fire`)).data.code).toBe("CONFLICT");

    const doomed = await apiOk<Schedule>(
      stack.hub,
      "POST",
      "",
      body({ expression: "every 1h", expiresAt: new Date(Date.now() + 60_000).toISOString() }),
    );
    expect(doomed.state).toBe("expired"); // its first fire would come after its expiry
    expect(doomed.nextFireAt).toBeUndefined();

    // Seeded through the store: due now with one fire left before the cap; and one whose planned
    // fire lies after its expiry (it was stored before the expiry came, as if no replica ran).
    const now = await store.now();
    const last = stored(
      { next: now - 100, n: 1, max: 2 },
      {
        maxFireCount: 2,
        target: recipient.instanceId,
        anchorMs: now - 100 - 3_600_000,
        expression: "every 1h",
      },
    );
    const expired = stored(
      { next: now - 100 },
      {
        expiresAt: new Date(now - 200).toISOString(),
        target: recipient.instanceId,
        anchorMs: now - 100 - 60_000,
      },
    );
    await store.create(last, 1000);
    await store.create(expired, 1000);
    for (let i = 0; i < 50 && (await get(last.config.id)).schedule.state === "active"; i++) await sleep(100);
    for (let i = 0; i < 50 && (await get(expired.config.id)).schedule.state === "active"; i++)
      await sleep(100);
    const l = await get(last.config.id);
    expect(l.schedule).toMatchObject({ state: "completed", fireCount: 2 });
    expect(l.fires).toHaveLength(1);
    await recipient.waitForDelivery((m) => m.metadata?.scheduleId === last.config.id);
    const x = await get(expired.config.id);
    expect(x.schedule).toMatchObject({ state: "expired", fireCount: 0 });
    expect(x.fires).toEqual([]);
    expect(recipient.messagesWith((m) => m.metadata?.scheduleId === expired.config.id)).toEqual([]);
  }, 20_000);

  test("missed fires: fire_once fires once for all of them, skip records them; neither is lost", async () => {
    const now = await store.now();
    // As if every replica was down for ten minutes: ten planned fires lie in the past.
    const anchor = now - 10.5 * 60_000;
    const seed = (policy: "fire_once" | "skip") =>
      stored(
        { next: anchor + 60_000 },
        {
          expression: "every 1m",
          anchorMs: anchor,
          missedPolicy: policy,
          target: recipient.instanceId,
          name: `missed-${policy}`,
        },
      );
    const once = seed("fire_once");
    const skip = seed("skip");
    await store.create(once, 1000);
    await store.create(skip, 1000);
    for (const s of [once, skip]) {
      for (let i = 0; i < 50 && (await get(s.config.id)).fires.length === 0; i++) await sleep(100);
    }
    const delivered = await recipient.waitForDelivery((m) => m.metadata?.scheduleId === once.config.id);
    expect(delivered.message.id).toBe(fireMessageId(once.config.id, anchor + 60_000));
    const o = await get(once.config.id);
    const s = await get(skip.config.id);
    console.log(
      `missed fires: fire_once covers=${o.fires[0]?.covers} outcome=${o.fires[0]?.outcome}; skip covers=${s.fires[0]?.covers} outcome=${s.fires[0]?.outcome}`,
    );
    expect(o.fires).toMatchObject([
      {
        outcome: "sent",
        trigger: "recovery",
        covers: 10,
        plannedAt: new Date(anchor + 60_000).toISOString(),
      },
    ]);
    expect(o.schedule).toMatchObject({
      state: "active",
      fireCount: 1,
      nextFireAt: new Date(anchor + 11 * 60_000).toISOString(),
    });
    expect(s.fires).toMatchObject([{ outcome: "missed", trigger: "schedule", covers: 10 }]);
    expect(s.fires[0]!.messageId).toBeUndefined();
    expect(s.schedule).toMatchObject({
      state: "active",
      fireCount: 0,
      nextFireAt: new Date(anchor + 11 * 60_000).toISOString(),
    });
    await sleep(500);
    expect(recipient.messagesWith((m) => m.metadata?.scheduleId === skip.config.id)).toEqual([]);
    expect(recipient.messagesWith((m) => m.metadata?.scheduleId === once.config.id)).toHaveLength(1);
  }, 20_000);
});

describe("schedules on the in-process engine", () => {
  let stack: Stack;
  withStack({ engine: "memory", env: { CC2CC_SCHEDULE_POLL_MS: "200" } }, (s) => {
    stack = s;
  });

  test("a one-shot fires once through the memory store", async () => {
    const recipient = await stack.client();
    const at = Date.now() + 1200;
    const s = await apiOk<Schedule>(
      stack.hub,
      "POST",
      "",
      body({ expression: `at ${new Date(at).toISOString()}`, target: recipient.instanceId }),
    );
    const got = await recipient.waitForDelivery((m) => m.metadata?.scheduleId === s.id, 10_000);
    expect(got.message.id).toBe(fireMessageId(s.id, at));
    await sleep(600);
    const after = await apiOk<{ schedule: Schedule; fires: ScheduleFire[] }>(stack.hub, "GET", `/${s.id}`);
    expect(after.schedule).toMatchObject({ state: "completed", fireCount: 1 });
    expect(after.fires).toHaveLength(1);
    expect(recipient.messagesWith((m) => m.metadata?.scheduleId === s.id)).toHaveLength(1);
  }, 20_000);
});

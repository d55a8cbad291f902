import type { ScheduleFire } from "@cc2cc/shared";
import { expect, test } from "vitest";
import type {
  RunState,
  ScheduleConfig,
  ScheduleStore,
  StoredSchedule,
} from "../../src/scheduler/schedule-store.js";

export type StoreFactory = (opts: { historyMax: number }) => Promise<ScheduleStore>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;

export function scheduleId(): string {
  seq++;
  return `sch_${(Date.now().toString(16) + seq.toString(16).padStart(8, "0")).padEnd(32, "0").slice(0, 32)}`;
}

export function stored(
  run: Partial<RunState> & { next?: number },
  over: Partial<ScheduleConfig> = {},
): StoredSchedule {
  const id = over.id ?? scheduleId();
  return {
    config: {
      id,
      name: `s-${id.slice(-6)}`,
      expression: "every 1m",
      timezone: "UTC",
      target: "someone@host:proj/s1",
      messageType: "task",
      content: "stand-up",
      missedPolicy: "fire_once",
      enabled: true,
      createdBy: "alice@host:proj/s1",
      createdAt: new Date(0).toISOString(),
      updatedAt: new Date(0).toISOString(),
      anchorMs: 0,
      ...over,
    },
    run: { v: 1, st: "active", n: 0, ...run },
  };
}

export function fire(id: string, plannedMs: number, extra: Partial<ScheduleFire> = {}): ScheduleFire {
  return {
    scheduleId: id,
    plannedAt: new Date(plannedMs).toISOString(),
    firedAt: new Date(plannedMs).toISOString(),
    outcome: "sent",
    trigger: "schedule",
    covers: 1,
    replica: "r-test",
    ...extra,
  };
}

const claimAll = (store: ScheduleStore, leaseMs = 10_000, limit = 100) =>
  store.claim({ replica: "r-test", limit, leaseMs });

/** The ScheduleStore guarantees (schedule-store.ts), for any implementation. */
export function scheduleStoreContract(make: StoreFactory): void {
  test("create, get, list, count; refuses a duplicate id and beyond the maximum", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const a = stored({ next: now + 60_000 });
    await store.create(a, 2);
    expect(await store.get(a.config.id)).toEqual(a);
    await expect(store.create(a, 10)).rejects.toMatchObject({ code: "CONFLICT" });
    await store.create(stored({ next: now + 60_000 }), 2);
    await expect(store.create(stored({ next: now + 60_000 }), 2)).rejects.toMatchObject({
      code: "CONFLICT",
      details: { maxSchedules: 2 },
    });
    expect(await store.count()).toBe(2);
    expect((await store.list()).map((s) => s.config.id)).toContain(a.config.id);
    expect(await store.get(scheduleId())).toBeNull();
  });

  test("claims only what is due and active, each due fire once across concurrent claimers", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const due = Array.from({ length: 60 }, () => stored({ next: now - 5 }));
    for (const s of due) await store.create(s, 1000);
    await store.create(stored({ next: now + 60_000 }), 1000);
    await store.create(stored({ st: "paused" }), 1000);
    await store.create(stored({ st: "completed", n: 3 }), 1000);
    const batches = await Promise.all(Array.from({ length: 6 }, () => claimAll(store, 10_000, 15)));
    const ids = batches.flatMap((b) => b.claims.map((c) => c.id));
    expect(ids.length).toBe(60);
    expect(new Set(ids).size).toBe(60);
    expect(new Set(ids)).toEqual(new Set(due.map((s) => s.config.id)));
    const first = batches.flatMap((b) => b.claims)[0]!;
    expect(first.plannedMs).toBe(now - 5);
    expect(first.attempt).toBe(1);
    expect(first.config.content).toBe("stand-up");
    expect((await claimAll(store)).claims).toEqual([]);
  });

  test("complete records the fire, counts it, plans the next; a stale token changes nothing", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1 });
    await store.create(s, 10);
    const [c] = (await claimAll(store)).claims;
    expect(c).toBeDefined();
    expect(
      await store.complete({
        id: s.config.id,
        token: "not-the-token",
        counts: true,
        plan: { state: "active", nextMs: now + 5 },
      }),
    ).toBe(false);
    const applied = await store.complete({
      id: c!.id,
      token: c!.token,
      fire: fire(c!.id, c!.plannedMs),
      counts: true,
      plan: { state: "active", nextMs: now + 60_000 },
    });
    expect(applied).toBe(true);
    const after = await store.get(c!.id);
    expect(after!.run).toMatchObject({ st: "active", next: now + 60_000, n: 1 });
    expect(after!.run.last).toBeGreaterThanOrEqual(now);
    expect(after!.run.v).toBeGreaterThan(s.run.v);
    expect(await store.fires(c!.id, 10)).toEqual([fire(c!.id, c!.plannedMs)]);
    // The same token twice is stale too.
    expect(
      await store.complete({
        id: c!.id,
        token: c!.token,
        counts: true,
        plan: { state: "active", nextMs: now },
      }),
    ).toBe(false);
    expect((await store.get(c!.id))!.run.n).toBe(1);
    expect(await store.nextDueMs()).toBe(now + 60_000);
  });

  test("a lapsed lease is claimed again with the same planned time; only the new holder completes", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1 });
    await store.create(s, 10);
    const [first] = (await claimAll(store, 150)).claims;
    expect((await claimAll(store, 150)).claims).toEqual([]); // held
    await sleep(250);
    const [second] = (await claimAll(store, 10_000)).claims;
    expect(second).toMatchObject({
      id: s.config.id,
      plannedMs: first!.plannedMs,
      firstClaimMs: first!.firstClaimMs,
      attempt: 2,
    });
    expect(second!.token).not.toBe(first!.token);
    const plan = { state: "active" as const, nextMs: now + 60_000 };
    expect(
      await store.complete({
        id: s.config.id,
        token: first!.token,
        fire: fire(s.config.id, now),
        counts: true,
        plan,
      }),
    ).toBe(false);
    expect(
      await store.complete({
        id: s.config.id,
        token: second!.token,
        fire: fire(s.config.id, now),
        counts: true,
        plan,
      }),
    ).toBe(true);
    expect(await store.fires(s.config.id, 10)).toHaveLength(1);
    expect((await store.get(s.config.id))!.run.n).toBe(1);
  });

  test("an update while claimed keeps its own plan; the holder's fire is still recorded once", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1 });
    await store.create(s, 10);
    const [c] = (await claimAll(store)).claims;
    const updated = await store.update(
      s.config.id,
      s.run.v,
      { ...s.config, content: "v2" },
      { state: "active", nextMs: now + 120_000 },
    );
    expect(updated.run.next).toBe(now + 120_000);
    // Still held: nobody else claims it meanwhile.
    expect((await claimAll(store)).claims).toEqual([]);
    await expect(
      store.update(s.config.id, s.run.v, s.config, { state: "active", nextMs: now }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(
      await store.complete({
        id: c!.id,
        token: c!.token,
        fire: fire(c!.id, c!.plannedMs),
        counts: true,
        plan: { state: "active", nextMs: now + 60_000 },
      }),
    ).toBe(true);
    const after = await store.get(s.config.id);
    expect(after!.config.content).toBe("v2");
    expect(after!.run).toMatchObject({ st: "active", next: now + 120_000, n: 1 });
    expect(await store.nextDueMs()).toBe(now + 120_000);
  });

  test("paused while claimed and the holder died: never claimed again", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1 });
    await store.create(s, 10);
    await claimAll(store, 100);
    await store.update(s.config.id, s.run.v, { ...s.config, enabled: false }, { state: "paused" });
    await sleep(200);
    expect((await claimAll(store)).claims).toEqual([]);
    expect(await store.nextDueMs()).toBeNull();
    expect((await store.get(s.config.id))!.run.st).toBe("paused");
  });

  test("maxFireCount completes the schedule, whatever the plan says", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1, n: 1, max: 2 }, { maxFireCount: 2 });
    await store.create(s, 10);
    const [c] = (await claimAll(store)).claims;
    await store.complete({
      id: c!.id,
      token: c!.token,
      fire: fire(c!.id, c!.plannedMs),
      counts: true,
      plan: { state: "active", nextMs: now + 60_000 },
    });
    expect((await store.get(s.config.id))!.run).toMatchObject({ st: "completed", n: 2 });
    expect((await store.get(s.config.id))!.run.next).toBeUndefined();
    expect(await store.nextDueMs()).toBeNull();
  });

  test("a skip is recorded without counting; history is bounded, newest first", async () => {
    const store = await make({ historyMax: 3 });
    const now = await store.now();
    const s = stored({ next: now - 1 });
    await store.create(s, 10);
    const [c] = (await claimAll(store)).claims;
    await store.complete({
      id: c!.id,
      token: c!.token,
      fire: fire(c!.id, c!.plannedMs, { outcome: "missed", covers: 4 }),
      counts: false,
      plan: { state: "active", nextMs: now + 60_000 },
    });
    expect((await store.get(s.config.id))!.run.n).toBe(0);
    for (let i = 1; i <= 4; i++)
      await store.recordFire(s.config.id, fire(s.config.id, now + i, { trigger: "manual" }));
    const fires = await store.fires(s.config.id, 10);
    expect(fires.map((f) => f.plannedAt)).toEqual([4, 3, 2].map((i) => new Date(now + i).toISOString()));
    expect(await store.fires(s.config.id, 2)).toHaveLength(2);
  });

  test("recordFire counts without moving the plan and completes at the max", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now + 60_000, max: 2 }, { maxFireCount: 2 });
    await store.create(s, 10);
    const one = await store.recordFire(s.config.id, fire(s.config.id, now, { trigger: "manual" }));
    expect(one.run).toMatchObject({ st: "active", n: 1, next: now + 60_000 });
    const two = await store.recordFire(s.config.id, fire(s.config.id, now, { trigger: "manual" }));
    expect(two.run).toMatchObject({ st: "completed", n: 2 });
    expect(await store.nextDueMs()).toBeNull();
    await expect(store.recordFire(scheduleId(), fire(s.config.id, now))).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  test("hold and a planned claim exclude each other, so the last allowed fire happens once", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1, max: 2, n: 1 }, { maxFireCount: 2 });
    await store.create(s, 10);
    // A planned fire holds the schedule: a fire now is refused until it is recorded.
    const [c] = (await claimAll(store)).claims;
    const refused = store.hold(s.config.id, { token: "now-1", leaseMs: 10_000, replica: "r-test" });
    await expect(refused).rejects.toMatchObject({ code: "CONFLICT", details: { firing: true } });
    await store.complete({
      id: c!.id,
      token: c!.token,
      fire: fire(c!.id, c!.plannedMs),
      counts: true,
      plan: { state: "active", nextMs: now + 60_000 },
    });
    expect((await store.get(s.config.id))!.run).toMatchObject({ st: "completed", n: 2 });
    await expect(
      store.hold(s.config.id, { token: "now-2", leaseMs: 10_000, replica: "r-test" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    // The other way round: a held schedule is not claimed, even when its plan is due.
    const t = stored({ next: now - 1, max: 2, n: 1 }, { maxFireCount: 2 });
    await store.create(t, 10);
    const held = await store.hold(t.config.id, { token: "now-3", leaseMs: 10_000, replica: "r-test" });
    expect(held).toEqual(t);
    expect((await claimAll(store)).claims).toEqual([]);
    expect(
      await store.complete({
        id: t.config.id,
        token: "now-3",
        fire: fire(t.config.id, now, { trigger: "manual" }),
        counts: true,
        plan: { state: "active", nextMs: now - 1 },
      }),
    ).toBe(true);
    expect((await store.get(t.config.id))!.run).toMatchObject({ st: "completed", n: 2 });
    expect((await claimAll(store)).claims).toEqual([]);
    expect(await store.fires(t.config.id, 10)).toHaveLength(1);
  });

  test("a completed hold keeps the plan; a lapsed one gives the plan back without a fire", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now + 60_000 });
    await store.create(s, 10);
    await store.hold(s.config.id, { token: "now-1", leaseMs: 10_000, replica: "r-test" });
    await store.complete({
      id: s.config.id,
      token: "now-1",
      fire: fire(s.config.id, now, { trigger: "manual" }),
      counts: true,
      plan: { state: "active", nextMs: now + 60_000 },
    });
    expect((await store.get(s.config.id))!.run).toMatchObject({ st: "active", n: 1, next: now + 60_000 });
    expect(await store.nextDueMs()).toBe(now + 60_000);

    // Held by a replica that died: once the hold lapses, the next claim drops it and the
    // plan is due again; that claim fires nothing for it.
    const due = stored({ next: now - 1 });
    await store.create(due, 10);
    await store.hold(due.config.id, { token: "now-2", leaseMs: 50, replica: "r-test" });
    await sleep(80);
    expect((await claimAll(store)).claims).toEqual([]);
    const [c] = (await claimAll(store)).claims;
    expect(c).toMatchObject({ id: due.config.id, plannedMs: now - 1, attempt: 1 });
    expect(
      await store.complete({ id: due.config.id, token: "now-2", counts: true, plan: { state: "active" } }),
    ).toBe(false);
    await expect(
      store.hold(scheduleId(), { token: "now-3", leaseMs: 10_000, replica: "r-test" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("remove: gone, never claimed, and a holder's completion is a no-op", async () => {
    const store = await make({ historyMax: 10 });
    const now = await store.now();
    const s = stored({ next: now - 1 });
    await store.create(s, 10);
    const [c] = (await claimAll(store)).claims;
    expect(await store.remove(s.config.id)).toBe(true);
    expect(await store.remove(s.config.id)).toBe(false);
    expect(
      await store.complete({
        id: c!.id,
        token: c!.token,
        fire: fire(c!.id, now),
        counts: true,
        plan: { state: "active", nextMs: now },
      }),
    ).toBe(false);
    expect(await store.get(s.config.id)).toBeNull();
    expect(await store.fires(s.config.id, 10)).toEqual([]);
    expect((await claimAll(store)).claims).toEqual([]);
    await expect(store.update(s.config.id, 1, s.config, { state: "paused" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
}

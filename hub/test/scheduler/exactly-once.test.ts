import type { Schedule, ScheduleFire } from "@cc2cc/shared";
import { beforeAll, describe, expect, test } from "vitest";
import { fireMessageId } from "../../src/scheduler/schedule-record.js";
import { type Stack, sleep, withStack } from "../e2e/stack.js";
import { HubProcess } from "../helpers/hub-process.js";
import { type TestClient, waitUntil } from "../helpers/test-client.js";
import {
  apiOk,
  histories,
  inParallel,
  leases,
  listSchedules,
  nextWholeSecond,
  received,
} from "./scheduler-e2e.js";

const ENV = { CC2CC_SCHEDULE_POLL_MS: "500", CC2CC_SCHEDULE_LEASE: "3s", CC2CC_SCHEDULE_MAX: "5000" };

/**
 * Real redis-server, three real hub replicas, recipients on every replica. Counts come from
 * both ends: what the recipients received (ids, duplicates) and what the fire histories say.
 */
describe("schedules fire exactly once across replicas", () => {
  let stack: Stack;
  let recipients: TestClient[];

  withStack({ engine: "redis", replicas: 3, env: ENV }, (s) => {
    stack = s;
  });
  beforeAll(async () => {
    recipients = await Promise.all([0, 1, 2, 0].map((i) => stack.client({ url: stack.hubs[i]!.url })));
  }, 30_000);

  async function createAt(
    count: number,
    atMs: number,
    via: HubProcess[],
    label: string,
  ): Promise<Schedule[]> {
    return inParallel(
      Array.from({ length: count }, (_, i) => i),
      20,
      (i) =>
        apiOk<Schedule>(via[i % via.length]!, "POST", "", {
          name: `${label}-${i}`,
          expression: `at ${new Date(atMs).toISOString()}`,
          target: recipients[i % recipients.length]!.instanceId,
          messageType: "task",
          content: `${label} #${i}`,
        }),
    );
  }

  test("200 schedules due in the same second fire exactly 200 times", async () => {
    const at = nextWholeSecond(5000);
    const created = await createAt(
      200,
      at,
      stack.hubs.filter((h) => h.running),
      "same-second",
    );
    expect(Date.now()).toBeLessThan(at); // all were in before they fell due
    const ids = new Set(created.map((s) => s.id));
    await waitUntil(() => received(recipients, ids).unique >= 200, at - Date.now() + 20_000, "200 fires");
    await sleep(1500); // room for a duplicate to show up
    const got = received(recipients, ids);
    const fires = await histories(stack.hub, [...ids]);
    const entries = [...fires.values()].flat();
    const byReplica = new Map<string, number>();
    for (const f of entries) byReplica.set(f.replica, (byReplica.get(f.replica) ?? 0) + 1);
    const schedules = (await listSchedules(stack.hub)).filter((s) => ids.has(s.id));
    const lagMs = entries.map((f) => Date.parse(f.firedAt) - Date.parse(f.plannedAt));
    console.log(
      `exactly-once: schedules=200 replicas=3 deliveries=${got.deliveries} unique_ids=${got.unique} duplicates=${got.duplicates} ` +
        `schedules_reached=${got.schedulesReached.size} history_entries=${entries.length} fireCount_sum=${schedules.reduce((n, s) => n + s.fireCount, 0)} ` +
        `by_replica=${[...byReplica]
          .sort()
          .map(([r, n]) => `${r}:${n}`)
          .join(",")} lag_ms_max=${Math.max(...lagMs)}`,
    );
    expect(got.deliveries).toBe(200);
    expect(got.unique).toBe(200);
    expect(got.duplicates).toBe(0);
    expect(got.schedulesReached.size).toBe(200);
    expect(entries.length).toBe(200);
    for (const [id, list] of fires) {
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        outcome: "sent",
        trigger: "schedule",
        covers: 1,
        plannedAt: new Date(at).toISOString(),
      });
      expect(list[0]!.messageId).toBe(fireMessageId(id, at));
    }
    expect(
      schedules.every((s) => s.fireCount === 1 && s.state === "completed" && s.nextFireAt === undefined),
    ).toBe(true);
    for (const d of got.list) {
      expect(d.message.from).toBe(`scheduler@hub:cc2cc/${d.message.metadata?.scheduleId}`);
      expect(d.message.metadata?.scheduleName).toMatch(/^same-second-\d+$/);
    }
  }, 60_000);

  /**
   * The other replicas stop, a replica with a test-only failpoint claims every fire and hangs
   * (after the claim, or after sending), is killed with -9 while its leases are in Redis, and
   * the restarted replicas take the fires over when the leases lapse.
   */
  async function killWhileHolding(failpoint: "hang-after-claim" | "hang-after-send", count: number) {
    const originals = stack.hubs.filter((h) => h.running);
    await Promise.all(originals.map((h) => h.terminate(10_000)));
    const holder = await HubProcess.start({
      replica: `holder-${failpoint}`,
      redisUrl: stack.redis!.url,
      env: { ...ENV, CC2CC_SCHEDULE_POLL_MS: "100", CC2CC_SCHEDULER_FAILPOINT: failpoint },
    });
    stack.hubs.push(holder);
    const at = nextWholeSecond(1500);
    const created = await createAt(count, at, [holder], failpoint);
    const ids = new Set(created.map((s) => s.id));
    let held: Awaited<ReturnType<typeof leases>> = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      held = (await leases(stack.redis!.url)).filter((l) => ids.has(l.id));
      if (held.length === count) break;
    }
    let sentBeforeKill = 0;
    if (failpoint === "hang-after-send") {
      await sleep(500); // let the sends finish; the completions hang
      const metrics = await (await holder.fetch("/metrics")).text();
      sentBeforeKill = [...metrics.matchAll(/^cc2cc_messages_accepted_total\{[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    }
    await holder.kill9();
    const restarted = await Promise.all(
      originals.map((h) =>
        HubProcess.start({ replica: h.replica, port: h.port, redisUrl: stack.redis!.url, env: ENV }),
      ),
    );
    stack.hubs.push(...restarted);
    await waitUntil(() => received(recipients, ids).unique >= count, 20_000, `${count} fires after the kill`);
    // After "hang-after-send" every message already arrived before the kill: the fires are
    // recorded only once the leases lapse and another replica retries them, so wait for that.
    let fires = new Map<string, ScheduleFire[]>();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(250)) {
      fires = await histories(stack.hub, [...ids]);
      if ([...fires.values()].every((list) => list.length > 0)) break;
    }
    // Let any second copy that the retries could still produce arrive before counting.
    await sleep(1500);
    const got = received(recipients, ids);
    fires = await histories(stack.hub, [...ids]);
    const entries = [...fires.values()].flat();
    const schedules = (await listSchedules(stack.hub)).filter((s) => ids.has(s.id));
    console.log(
      `kill-9 ${failpoint}: schedules=${count} leases_held_by_killed=${held.filter((l) => l.rep === holder.replica).length} ` +
        `sent_before_kill=${sentBeforeKill} deliveries=${got.deliveries} unique_ids=${got.unique} same_id_redeliveries=${got.duplicates} ` +
        `history_entries=${entries.length} fireCount_sum=${schedules.reduce((n, s) => n + s.fireCount, 0)} ` +
        `fired_by=${[...new Set(entries.map((f) => f.replica))].sort().join(",")}`,
    );
    expect(held.map((l) => l.rep)).toEqual(Array(count).fill(holder.replica));
    expect(new Set(held.map((l) => l.tok)).size).toBe(count);
    if (failpoint === "hang-after-send") expect(sentBeforeKill).toBe(count);
    expect(got.unique).toBe(count);
    expect(got.schedulesReached.size).toBe(count);
    // Every copy a recipient got is the fire's one id: a retried fire is the same message.
    for (const d of got.list) {
      expect(d.message.id).toBe(fireMessageId(String(d.message.metadata?.scheduleId), at));
    }
    if (failpoint === "hang-after-claim") expect(got.duplicates).toBe(0);
    // After a send the holder never recorded, the retry re-sends the same id: the queue answers
    // a still-held id without queueing it again, and a copy already acked reaches the plugin a
    // second time, where its dedup set (by id) drops it. At most one extra copy per fire.
    else expect(got.duplicates).toBeLessThanOrEqual(count);
    expect(entries.length).toBe(count);
    for (const [id, list] of fires) {
      expect(list).toHaveLength(1);
      expect(list[0]!.messageId).toBe(fireMessageId(id, at));
      expect(list[0]!.replica).not.toBe(holder.replica);
      expect(list[0]!.outcome).toBe("sent");
    }
    expect(schedules.every((s) => s.fireCount === 1 && s.state === "completed")).toBe(true);
  }

  test("a replica killed with -9 while holding claims loses no fire and doubles none", async () => {
    await killWhileHolding("hang-after-claim", 40);
  }, 60_000);

  test("a replica killed with -9 after sending, before recording, does not double the fire", async () => {
    await killWhileHolding("hang-after-send", 40);
  }, 60_000);
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PLUGIN_KEY } from "../helpers/hub-process.js";
import { makeInstanceId, makeSecret, type TestClient } from "../helpers/test-client.js";
import { Child, type ChildLine } from "./support/child.js";
import { Cluster, THROUGHPUT_ENV } from "./support/cluster.js";
import { Ledger, report, type Seen } from "./support/ledger.js";
import { Rng } from "./support/random.js";
import { drain, seenBy, sleep, trackedSend } from "./support/stream.js";

const WINDOW = 16;
const ACK_DELAY_MS = 120;

/** Sequence numbers of a delivery log, by the sender's key `s0:<seq>`. */
function seqs(seen: readonly Seen[]): number[] {
  return seen.map((d) => Number(d.key?.split(":")[1] ?? -1));
}

function ascending(xs: readonly number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
}

/** Redeliveries (ids already seen on an earlier connection) come first on a connection. */
function isPrefix(ids: readonly string[], earlier: ReadonlySet<string>): boolean {
  const firstNew = ids.findIndex((id) => !earlier.has(id));
  return firstNew === -1 || ids.slice(firstNew).every((id) => !earlier.has(id));
}

function childSeen(lines: readonly ChildLine[]): Seen[] {
  return lines
    .filter((l) => l.t === "msg")
    .map((l) => ({ id: String(l.id), key: typeof l.key === "string" ? l.key : undefined }));
}

/**
 * A plugin dies or loses its connection while messages are on their way to it, with a window of
 * them written out but not yet acknowledged. Its next connection must get those again, first,
 * in order, and then the rest.
 */
describe("plugin connection cut mid-delivery, plugin killed with -9", () => {
  let cluster: Cluster;
  const children: Child[] = [];
  const rng = new Rng();

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      ingress: true,
      env: { ...THROUGHPUT_ENV, CC2CC_INFLIGHT_WINDOW: String(WINDOW) },
    });
  }, 60_000);
  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill9();
  });
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  async function stream(
    sender: TestClient,
    ledger: Ledger,
    to: string,
    total: number,
    during: () => boolean,
  ) {
    for (let seq = 0; seq < total; seq++) {
      await trackedSend(sender, ledger, "s0", seq, to);
      await sleep(during() ? 8 : 4);
    }
  }

  test("network cuts at the ingress before the ack: each next connection gets the window again, in order", async () => {
    const recipient = await cluster.client({ autoAck: false });
    /** Ids acked, per connection (index of its welcome). */
    const ackSent = new Map<number, Set<string>>();
    recipient.socket.on("messages", (f: { messages: Array<{ id: string }>; requiresAck: boolean }) => {
      if (!f.requiresAck) return;
      const ids = f.messages.map((m) => m.id);
      const connection = recipient.welcomes.length;
      setTimeout(() => {
        // An ack belongs to the connection that got the message; a newer one gets it again.
        if (!recipient.connected || recipient.welcomes.length !== connection) return;
        const set = ackSent.get(connection - 1) ?? new Set<string>();
        for (const id of ids) set.add(id);
        ackSent.set(connection - 1, set);
        recipient.ack(ids).catch(() => {});
      }, ACK_DELAY_MS);
    });
    const sender = await cluster.client({ url: cluster.hub(0).url });
    const ledger = new Ledger();
    let streaming = true;
    let cuts = 0;
    const cutter = (async () => {
      await sleep(500);
      while (streaming) {
        cuts += cluster.ingress!.cutAll() > 0 ? 1 : 0;
        await sleep(rng.int(400, 900));
      }
    })();
    await stream(sender, ledger, recipient.instanceId, 800, () => true);
    streaming = false;
    await cutter;
    const drained = await drain(
      ledger,
      () => ledger.observe(recipient.instanceId, seenBy(recipient)),
      30_000,
    );

    // Split the delivery log by connection: each welcome starts a new one.
    const epochs: Seen[][] = recipient.welcomeTimes.map(() => []);
    for (const d of recipient.deliveries) {
      const e = recipient.welcomeTimes.filter((t) => t <= d.at).length - 1;
      epochs[Math.max(0, e)]!.push({ id: d.message.id, key: d.message.metadata?.chaosKey as string });
    }
    const epochsInOrder = epochs.filter((e) => ascending(seqs(e))).length;
    let unackedAtCut = 0;
    let redeliveredLater = 0;
    let prefixViolations = 0;
    const before = new Set<string>();
    for (let i = 0; i < epochs.length; i++) {
      const ids = epochs[i]!.map((d) => d.id);
      if (!isPrefix(ids, before)) prefixViolations++;
      if (i + 1 < epochs.length) {
        const later = new Set(epochs.slice(i + 1).flatMap((e) => e.map((d) => d.id)));
        const acked = ackSent.get(i) ?? new Set<string>();
        const unacked = ids.filter((id) => !acked.has(id));
        unackedAtCut += unacked.length;
        redeliveredLater += unacked.filter((id) => later.has(id)).length;
      }
      for (const id of ids) before.add(id);
    }
    const s = ledger.summary();
    report("plugin-connection-cut", s, {
      seed: rng.seed,
      cuts,
      connections: recipient.welcomes.length,
      epochs_in_order: `${epochsInOrder}/${epochs.length}`,
      unacked_at_cut: unackedAtCut,
      redelivered_later: redeliveredLater,
      redelivered_not_first: prefixViolations,
      drain_ms: drained.ms,
    });
    expect(cuts).toBeGreaterThanOrEqual(5);
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(epochsInOrder).toBe(epochs.length);
    expect(unackedAtCut).toBeGreaterThan(0);
    expect(redeliveredLater).toBe(unackedAtCut);
    expect(prefixViolations).toBe(0);
    expect(s.duplicated).toBeLessThanOrEqual(cuts * WINDOW);
    expect(recipient.badFrames).toEqual([]);
  }, 120_000);

  test("a plugin process killed with -9: its unacked window opens the next process's log, in order", async () => {
    const instanceId = makeInstanceId("victim", "chaos");
    const secret = makeSecret();
    const env = {
      CHAOS_URL: cluster.url,
      CHAOS_ID: instanceId,
      CHAOS_SECRET: secret,
      CHAOS_KEY: PLUGIN_KEY,
      CHAOS_ACK_DELAY_MS: String(ACK_DELAY_MS),
    };
    const first = new Child("plugin-child.ts", env);
    children.push(first);
    await first.waitFor(() => first.of("welcome").length > 0, 15_000, "the first plugin's welcome");
    const sender = await cluster.client({ url: cluster.hub(1).url });
    const ledger = new Ledger();
    let second: Child | undefined;
    let killedAfter = 0;
    const killer = (async () => {
      await first.waitFor(() => first.of("msg").length >= 150, 30_000, "150 deliveries");
      killedAfter = first.of("msg").length;
      await first.kill9();
      second = new Child("plugin-child.ts", env);
      children.push(second);
    })();
    await stream(sender, ledger, instanceId, 500, () => true);
    await killer;
    const next = second!;
    const observe = () => ledger.observe(instanceId, [...childSeen(first.lines), ...childSeen(next.lines)]);
    const drained = await drain(ledger, observe, 30_000);

    const firstSeen = childSeen(first.lines);
    const secondSeen = childSeen(next.lines);
    const ackSent = new Set(first.of("ack_sent").flatMap((l) => l.ids as string[]));
    const unacked = firstSeen.filter((d) => !ackSent.has(d.id)).map((d) => d.id);
    const redelivered = secondSeen.filter((d) => firstSeen.some((f) => f.id === d.id)).map((d) => d.id);
    const s = ledger.summary();
    report("plugin-kill9", s, {
      killed_after_deliveries: killedAfter,
      unacked_at_kill: unacked.length,
      redelivered: redelivered.length,
      second_log_in_order: ascending(seqs(secondSeen)),
      drain_ms: drained.ms,
    });
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(unacked.length).toBeGreaterThan(0);
    const secondIds = secondSeen.map((d) => d.id);
    expect(unacked.filter((id) => !secondIds.includes(id))).toEqual([]);
    expect(isPrefix(secondIds, new Set(firstSeen.map((d) => d.id)))).toBe(true);
    expect(ascending(seqs(secondSeen))).toBe(true);
    expect(redelivered.length).toBeLessThanOrEqual(WINDOW * 2);
  }, 120_000);

  test("a frozen plugin (SIGSTOP, socket still open) is replaced by its restart, which gets the backlog", async () => {
    const instanceId = makeInstanceId("frozen", "chaos");
    const secret = makeSecret();
    const env = {
      CHAOS_URL: cluster.url,
      CHAOS_ID: instanceId,
      CHAOS_SECRET: secret,
      CHAOS_KEY: PLUGIN_KEY,
      CHAOS_ACK_DELAY_MS: "0",
    };
    const frozen = new Child("plugin-child.ts", env);
    children.push(frozen);
    await frozen.waitFor(() => frozen.of("welcome").length > 0, 15_000, "the plugin's welcome");
    const sender = await cluster.client({ url: cluster.hub(2).url });
    const ledger = new Ledger();
    for (let seq = 0; seq < 40; seq++) await trackedSend(sender, ledger, "s0", seq, instanceId);
    await frozen.waitFor(
      () => frozen.of("acked").length > 0 && frozen.of("msg").length >= 40,
      10_000,
      "40 acked",
    );
    frozen.signal("SIGSTOP");
    for (let seq = 40; seq < 100; seq++) await trackedSend(sender, ledger, "s0", seq, instanceId);
    const restarted = new Child("plugin-child.ts", env);
    children.push(restarted);
    const observe = () =>
      ledger.observe(instanceId, [...childSeen(frozen.lines), ...childSeen(restarted.lines)]);
    const drained = await drain(ledger, observe, 20_000);
    const s = ledger.summary();
    const after = childSeen(restarted.lines);
    report("plugin-frozen", s, {
      frozen_saw: childSeen(frozen.lines).length,
      restarted_saw: after.length,
      drain_ms: drained.ms,
    });
    frozen.signal("SIGKILL");
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(seqs(after).slice(0, 60)).toEqual(Array.from({ length: 60 }, (_, i) => 40 + i));
  }, 60_000);
});

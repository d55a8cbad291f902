import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeSecret, type TestClient, waitUntil } from "../helpers/test-client.js";
import { Cluster } from "./support/cluster.js";
import { printLine } from "./support/ledger.js";
import { api, deadLetters } from "./support/rest.js";
import { sleep } from "./support/stream.js";

const HOUR = 3_600_000;
/** c1 runs 26 h behind, c2 on time, c3 26 h ahead: more than the default message TTL either way. */
const SKEWS = [-26 * HOUR, 0, 26 * HOUR];
const MESSAGE_TTL_MS = 4000;
const MAX_DELIVERIES = 3;
const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), "support", "clock-skew.ts");

/**
 * No correctness path may compare replica clocks. Each replica here believes a different time
 * (a preload shifts Date for that process only); order, expiry, dead letters, presence and rate
 * limits must behave as if they agreed, because the engine keeps time with Redis TIME.
 */
describe("replica clocks 26 h apart", () => {
  let cluster: Cluster;
  let c1: string;
  let c2: string;
  let c3: string;

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      env: {
        CC2CC_MESSAGE_TTL: String(MESSAGE_TTL_MS),
        CC2CC_MAX_DELIVERIES: String(MAX_DELIVERIES),
      },
      replicaEnv: (i): Record<string, string> =>
        SKEWS[i] === 0
          ? {}
          : { NODE_OPTIONS: `--no-warnings --import ${PRELOAD}`, CHAOS_CLOCK_SKEW_MS: String(SKEWS[i]) },
    });
    [c1, c2, c3] = cluster.hubs.map((h) => h.url) as [string, string, string];
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  /** The same instance, connected anew to another replica (the old connection closed first). */
  async function moveTo(client: TestClient, url: string, autoAck = true): Promise<TestClient> {
    client.close();
    return cluster.client({ url, instanceId: client.instanceId, secret: client.secret, autoAck });
  }

  test("a sender hopping between skewed replicas keeps its order; ids and timestamps do not", async () => {
    const recipient = await cluster.client({ url: c2 });
    let sender = await cluster.client({ url: c3 });
    const sent: string[] = [];
    const stamps: number[] = [];
    for (const url of [c3, c1, c2, c3, c1]) {
      if (sender.welcome.replica !== cluster.names[[c1, c2, c3].indexOf(url)])
        sender = await moveTo(sender, url);
      for (let i = 0; i < 20; i++) {
        const r = await sender.send(recipient.instanceId, `hop ${sent.length}`);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        sent.push(r.data.message.id);
        stamps.push(Date.parse(r.data.message.timestamp));
      }
    }
    await waitUntil(() => recipient.uniqueIds().size >= sent.length, 10_000, "all 100");
    const order = recipient.firstDeliveryOrder().map((m) => m.id);
    const idsSorted = [...sent].sort();
    const skewSeen = Math.round((Math.max(...stamps) - Math.min(...stamps)) / HOUR);
    printLine("clock-skew-order", {
      sent: sent.length,
      delivered: recipient.uniqueIds().size,
      in_send_order: order.join() === sent.join(),
      id_sort_matches_send_order: idsSorted.join() === sent.join(),
      timestamp_spread_h: skewSeen,
    });
    expect(skewSeen, "the preload really shifted the replicas' clocks").toBeGreaterThanOrEqual(50);
    expect(order).toEqual(sent);
    expect(idsSorted).not.toEqual(sent);
    expect(await deadLetters(c2, recipient.instanceId)).toEqual([]);
  });

  test("message TTL runs on the engine clock: neither a 26 h-old nor a future stamp decides", async () => {
    const secret = makeSecret();
    let r = await cluster.client({ url: c2, secret });
    r.close();
    const pastSender = await cluster.client({ url: c1 });
    const futureSender = await cluster.client({ url: c3 });

    // Stamped 26 h ago by c1 and claimed at once by c3, which thinks it is 26 h later still.
    const fresh = await pastSender.send(r.instanceId, "stamped in the past, fresh in fact");
    if (!fresh.ok) throw new Error(JSON.stringify(fresh.error));
    r = await cluster.client({ url: c3, instanceId: r.instanceId, secret });
    await r.waitForDelivery((m) => m.id === fresh.data.message.id, 5000, "the fresh message");
    const freshOn = r.welcome.replica;
    await sleep(300);
    r.close();

    // Stamped in the future by c3, left queued past the TTL, claimed by c1 (26 h behind).
    const stale = await futureSender.send(r.instanceId, "stamped in the future, stale in fact");
    if (!stale.ok) throw new Error(JSON.stringify(stale.error));
    await sleep(MESSAGE_TTL_MS + 1500);
    r = await cluster.client({ url: c1, instanceId: r.instanceId, secret });
    await sleep(1000);
    const dead = await deadLetters(c2, r.instanceId);
    printLine("clock-skew-ttl", {
      message_ttl_ms: MESSAGE_TTL_MS,
      fresh_delivered_on: freshOn,
      stale_delivered: r.messagesWith((m) => m.id === stale.data.message.id).length,
      dead_letters: dead.map((d) => `${d.reason}:${d.deliveries}`).join(","),
    });
    expect(r.messagesWith((m) => m.id === stale.data.message.id)).toHaveLength(0);
    expect(dead.map((d) => [d.message.id, d.reason])).toEqual([[stale.data.message.id, "expired"]]);
    // Discard through the replica that runs behind.
    const del = await api(
      c1,
      "DELETE",
      `/api/instances/${encodeURIComponent(r.instanceId)}/dead-letters/${stale.data.message.id}`,
    );
    expect(del.status, del.text).toBe(200);
    expect(await deadLetters(c3, r.instanceId)).toEqual([]);
  }, 30_000);

  test("max deliveries counts hand-outs across replicas with different clocks; replay works", async () => {
    const sender = await cluster.client({ url: c2 });
    let r = await cluster.client({ url: c1, autoAck: false });
    const m = await sender.send(r.instanceId, "never acked");
    if (!m.ok) throw new Error(JSON.stringify(m.error));
    const id = m.data.message.id;
    let handedOut = 0;
    for (const url of [c3, c2, c1]) {
      await r.waitForDelivery((x) => x.id === id, 5000, "the unacked message");
      handedOut++;
      r = await moveTo(r, url, false);
    }
    await sleep(1000);
    expect(r.messagesWith((x) => x.id === id)).toHaveLength(0);
    const dead = await deadLetters(c3, r.instanceId);
    expect(dead.map((d) => [d.message.id, d.reason, d.deliveries])).toEqual([
      [id, "max_deliveries", MAX_DELIVERIES],
    ]);

    r.autoAck = true;
    const replay = await api(
      c3,
      "POST",
      `/api/instances/${encodeURIComponent(r.instanceId)}/dead-letters/${id}/replay`,
    );
    expect(replay.status, replay.text).toBe(200);
    await r.waitForDelivery((x) => x.id === id, 5000, "the replayed message");
    await sleep(300);
    expect(await deadLetters(c1, r.instanceId)).toEqual([]);
    printLine("clock-skew-dead-letters", {
      handed_out: handedOut,
      reason: dead[0]?.reason,
      deliveries: dead[0]?.deliveries,
      replayed_delivered: r.messagesWith((x) => x.id === id).length,
    });
  }, 30_000);

  test("a broadcast limit set through one clock holds through the other", async () => {
    let b = await cluster.client({ url: c1 });
    const first = await b.request("broadcast", { type: "task", content: "first" });
    expect(first.ok).toBe(true);
    b = await moveTo(b, c3);
    const second = await b.request("broadcast", { type: "task", content: "second" });
    if (second.ok) throw new Error("the second broadcast within the interval was accepted");
    const retry = Number(second.error.details?.retryAfterMs);
    printLine("clock-skew-broadcast-limit", { second: second.error.code, retry_after_ms: retry });
    expect(second.error.code).toBe("RATE_LIMITED");
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(5000);
  });

  test("presence: reapers on skewed replicas keep a live instance online and notice a dead one", async () => {
    const watcher = await cluster.client({ url: c1 });
    const onFuture = await cluster.client({ url: c3 });
    const checks: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      await sleep(500);
      const list = (await watcher.ok("list_instances", {})).instances;
      checks.push(list.find((x) => x.instanceId === onFuture.instanceId)?.online === true);
    }
    expect(checks.every(Boolean), "online through every reaper round").toBe(true);
    expect(onFuture.disconnects).toEqual([]);
    onFuture.socket.io.reconnection(false);
    await cluster.kill9(2);
    const killedAt = Date.now();
    let offlineAfter = -1;
    while (Date.now() - killedAt < 15_000) {
      const list = (await watcher.ok("list_instances", {})).instances;
      if (list.find((x) => x.instanceId === onFuture.instanceId)?.online === false) {
        offlineAfter = Date.now() - killedAt;
        break;
      }
      await sleep(100);
    }
    printLine("clock-skew-presence", { online_checks: checks.length, offline_after_kill_ms: offlineAfter });
    expect(offlineAfter).toBeGreaterThan(0);
    expect(offlineAfter).toBeLessThan(8000);
  }, 30_000);
});

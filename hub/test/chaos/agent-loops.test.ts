import type { Message } from "@cc2cc/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PLUGIN_KEY } from "../helpers/hub-process.js";
import { makeSecret, type TestClient, waitUntil } from "../helpers/test-client.js";
import { Cluster } from "./support/cluster.js";
import { printLine } from "./support/ledger.js";
import { api, deadLetters } from "./support/rest.js";
import { sleep } from "./support/stream.js";

const DEFAULT_MAX_HOPS = 20;
const DEFAULT_PAIR_RATE = 120;
const DEFAULT_MAX_DELIVERIES = 10;
const enc = encodeURIComponent;

/**
 * Agents that answer each other forever, and messages that can never be processed: the hop
 * cap, the per-pair rate and the dead-letter list, with their defaults, across two replicas.
 */
describe("agent loops and poison messages (defaults, two replicas)", () => {
  let cluster: Cluster;
  let c1: string;
  let c2: string;

  beforeAll(async () => {
    cluster = await Cluster.start({ replicas: 2 });
    [c1, c2] = cluster.hubs.map((h) => h.url) as [string, string];
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  test("a reply chain bouncing between replicas is cut at hop 20 with HOP_LIMIT naming the limit", async () => {
    const a = await cluster.client({ url: c1 });
    const b = await cluster.client({ url: c2 });
    const first = await a.send(b.instanceId, "start of a loop");
    if (!first.ok) throw new Error(JSON.stringify(first.error));
    expect(first.data.message.hops).toBe(0);
    let parent: Message = first.data.message;
    const hops: number[] = [0];
    for (let i = 1; i <= DEFAULT_MAX_HOPS; i++) {
      const [from, to] = i % 2 === 1 ? [b, a] : [a, b];
      const r = await from.send(to.instanceId, `reply ${i}`, { replyTo: parent.id, type: "result" });
      if (!r.ok) throw new Error(`reply ${i}: ${JSON.stringify(r.error)}`);
      hops.push(r.data.message.hops ?? -1);
      parent = r.data.message;
    }
    const [from, to] = DEFAULT_MAX_HOPS % 2 === 0 ? [b, a] : [a, b];
    const over = await from.send(to.instanceId, "one reply too many", { replyTo: parent.id, type: "result" });
    if (over.ok) throw new Error(`hop ${DEFAULT_MAX_HOPS + 1} was accepted`);
    const fresh = await from.send(to.instanceId, "a new thread");
    await waitUntil(() => a.uniqueIds().size + b.uniqueIds().size >= DEFAULT_MAX_HOPS + 2, 5000, "the chain");
    const delivered = [...a.deliveries, ...b.deliveries].map((d) => d.message);
    printLine("agent-loops-hops", {
      chain_hops: `${hops[0]}..${hops.at(-1)}`,
      refused: over.error.code,
      message: JSON.stringify(over.error.message),
      details: over.error.details,
      new_thread_hops: fresh.ok ? fresh.data.message.hops : fresh.error.code,
    });
    expect(hops).toEqual(Array.from({ length: DEFAULT_MAX_HOPS + 1 }, (_, i) => i));
    expect(over.error.code).toBe("HOP_LIMIT");
    expect(over.error.message).toContain(String(DEFAULT_MAX_HOPS));
    expect(delivered.some((m) => m.content === "one reply too many")).toBe(false);
    expect(delivered.find((m) => m.content === `reply ${DEFAULT_MAX_HOPS}`)?.hops).toBe(DEFAULT_MAX_HOPS);
    expect(fresh.ok && fresh.data.message.hops).toBe(0);
    // The client's word about hops counts for nothing.
    const forged = await a.request("send_message", {
      to: b.instanceId,
      type: "result",
      content: "forged hops",
      replyTo: first.data.message.id,
      hops: 0,
    } as never);
    expect(forged.ok && forged.data.message.hops).toBe(1);
  });

  test("more than 120 messages a minute from one sender to one recipient are RATE_LIMITED with scope pair", async () => {
    const secret = makeSecret();
    let a = await cluster.client({ url: c1, secret });
    const b = await cluster.client({ url: c2 });
    const c = await cluster.client({ url: c2 });
    const outcomes: string[] = [];
    let refusal: { code: string; details?: Record<string, unknown> } | undefined;
    for (let i = 0; i < DEFAULT_PAIR_RATE + 5; i++) {
      // Half way the sender moves to the other replica: the count lives in Redis.
      if (i === DEFAULT_PAIR_RATE / 2) {
        a.close();
        a = await cluster.client({ url: c2, instanceId: a.instanceId, secret });
      }
      const r = await a.send(b.instanceId, `pair ${i}`);
      outcomes.push(r.ok ? "ok" : r.error.code);
      if (!r.ok) refusal ??= r.error;
    }
    const otherPair = await a.send(c.instanceId, "another recipient");
    const reverse = await b.send(a.instanceId, "the other direction");
    const accepted = outcomes.filter((o) => o === "ok").length;
    printLine("agent-loops-pair-rate", {
      sent: outcomes.length,
      accepted,
      refused: outcomes.length - accepted,
      code: refusal?.code,
      details: refusal?.details,
      other_pair: otherPair.ok ? "ok" : otherPair.error.code,
      reverse_pair: reverse.ok ? "ok" : reverse.error.code,
    });
    expect(accepted).toBe(DEFAULT_PAIR_RATE);
    expect(outcomes.slice(DEFAULT_PAIR_RATE)).toEqual(Array(5).fill("RATE_LIMITED"));
    expect(refusal?.details?.scope).toBe("pair");
    expect(Number(refusal?.details?.retryAfterMs)).toBeGreaterThan(0);
    expect(otherPair.ok).toBe(true);
    expect(reverse.ok).toBe(true);
  });

  test("a poison message is dead-lettered after 10 hand-outs without blocking the queue; replay and discard", async () => {
    const sender = await cluster.client({ url: c1 });
    const secret = makeSecret();
    let r: TestClient = await cluster.client({ url: c2, secret, autoAck: false });
    const poison = await sender.send(r.instanceId, "I crash every plugin that reads me");
    if (!poison.ok) throw new Error(JSON.stringify(poison.error));
    const poisonId = poison.data.message.id;
    const good: string[] = [];
    let handOuts = 0;
    // The plugin acks everything but the poison one, then dies; its next connection gets it again.
    for (let round = 0; round <= DEFAULT_MAX_DELIVERIES; round++) {
      const m = await sender.send(r.instanceId, `healthy ${round}`);
      if (m.ok) good.push(m.data.message.id);
      const healthy = m.ok ? m.data.message.id : "";
      await r.waitForDelivery((x) => x.id === healthy, 5000, `healthy ${round}`);
      // Connections 1 to 10 get the poison one (before the healthy one: it is older).
      if (round < DEFAULT_MAX_DELIVERIES)
        await r.waitForDelivery((x) => x.id === poisonId, 5000, "the poison");
      const ids = [...r.uniqueIds()].filter((id) => id !== poisonId);
      if (ids.length > 0) await r.ack(ids);
      handOuts += r.messagesWith((x) => x.id === poisonId).length;
      r.close();
      r = await cluster.client({
        url: round % 2 ? c1 : c2,
        instanceId: r.instanceId,
        secret,
        autoAck: false,
      });
    }
    await sleep(300);
    const healthySeen = good.filter((id) => cluster.clients.some((c) => c.uniqueIds().has(id))).length;
    const dead = await deadLetters(c1, r.instanceId);
    const queue = await api(c2, "GET", `/api/instances/${enc(r.instanceId)}/queue`);
    const deadCount = (queue.body as { stats: { deadLetters: number } }).stats.deadLetters;
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: "max_deliveries", deliveries: DEFAULT_MAX_DELIVERIES });
    expect(dead[0]!.message.id).toBe(poisonId);
    expect(Number.isNaN(Date.parse(dead[0]!.deadAt))).toBe(false);
    expect(handOuts).toBe(DEFAULT_MAX_DELIVERIES);
    expect(healthySeen).toBe(good.length);
    expect(deadCount).toBe(1);

    const path = `/api/instances/${enc(r.instanceId)}/dead-letters/${poisonId}`;
    expect((await api(c1, "POST", `${path}/replay`, { key: PLUGIN_KEY })).status).toBe(403);
    expect((await api(c1, "DELETE", path, { key: PLUGIN_KEY })).status).toBe(403);
    r.autoAck = true;
    const replay = await api(c2, "POST", `${path}/replay`);
    expect(replay.status, replay.text).toBe(200);
    await r.waitForDelivery((x) => x.id === poisonId, 5000, "the replayed message");
    await sleep(300);
    expect(await deadLetters(c2, r.instanceId)).toEqual([]);
    const unknown = await api(c1, "DELETE", `/api/instances/${enc(r.instanceId)}/dead-letters/${poisonId}`);
    printLine("agent-loops-poison", {
      hand_outs: handOuts,
      reason: dead[0]?.reason,
      deliveries: dead[0]?.deliveries,
      healthy_delivered: `${healthySeen}/${good.length}`,
      replay_status: replay.status,
      discard_unknown: `${unknown.status} ${(unknown.body as { code?: string }).code}`,
    });
    expect(unknown.status).toBe(404);
  }, 60_000);
});

/** The other road to the dead letters: a message still queued when its TTL runs out. */
describe("message TTL", () => {
  let cluster: Cluster;
  const TTL_MS = 3000;

  beforeAll(async () => {
    cluster = await Cluster.start({ replicas: 1, env: { CC2CC_MESSAGE_TTL: String(TTL_MS) } });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  test("a message older than CC2CC_MESSAGE_TTL when claimed is dead-lettered as expired, and can be discarded", async () => {
    const url = cluster.live.url;
    const sender = await cluster.client({ url });
    const secret = makeSecret();
    const r0 = await cluster.client({ url, secret });
    r0.close();
    await sleep(200);
    const old = await sender.send(r0.instanceId, "too late");
    if (!old.ok) throw new Error(JSON.stringify(old.error));
    await sleep(TTL_MS + 1000);
    const young = await sender.send(r0.instanceId, "just in time");
    if (!young.ok) throw new Error(JSON.stringify(young.error));
    const r = await cluster.client({ url, instanceId: r0.instanceId, secret });
    await r.waitForDelivery((m) => m.id === young.data.message.id, 5000, "the young message");
    await sleep(300);
    const dead = await deadLetters(url, r.instanceId);
    const del = await api(
      url,
      "DELETE",
      `/api/instances/${enc(r.instanceId)}/dead-letters/${old.data.message.id}`,
    );
    printLine("agent-loops-ttl", {
      ttl_ms: TTL_MS,
      old_delivered: r.messagesWith((m) => m.id === old.data.message.id).length,
      dead: dead.map((d) => `${d.reason}:${d.deliveries}`).join(","),
      discard: del.status,
    });
    expect(r.messagesWith((m) => m.id === old.data.message.id)).toHaveLength(0);
    expect(dead.map((d) => [d.message.id, d.reason, d.deliveries])).toEqual([
      [old.data.message.id, "expired", 0],
    ]);
    expect(del.status, del.text).toBe(200);
    expect(await deadLetters(url, r.instanceId)).toEqual([]);
  }, 30_000);
});

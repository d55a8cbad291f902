import { HistoryQuerySchema } from "@cc2cc/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analytics } from "../../src/history/analytics.js";
import { createRedisHistory } from "../../src/history/redis-history.js";
import { indexBucket } from "../../src/history/redis-history-keys.js";
import { RedisServer } from "../helpers/redis-server.js";
import { historyContract } from "./contract.js";
import { ALICE, acked, BOB, CAROL, sent } from "./events.js";

let server: RedisServer;
let redis: Redis;
let counter = 0;

beforeAll(async () => {
  server = await RedisServer.start({ aof: false });
  // Configured like the engine's command connection: fail fast while Redis is away.
  redis = new Redis(server.port, "127.0.0.1", { maxRetriesPerRequest: 1, enableOfflineQueue: true });
});

afterAll(async () => {
  redis.disconnect();
  await server.close();
});

historyContract("redis", async (opts, clock) => {
  counter += 1;
  return createRedisHistory(
    redis,
    { maxLen: 100_000, maxAgeMs: 7 * 24 * 3_600_000, ...opts, prefix: `h${counter}:` },
    clock,
  );
});

describe("Redis history layout", () => {
  const query = (q: Record<string, string> = {}) => HistoryQuerySchema.parse(q);
  const keyOf = (prefix: string, id: string) => `${prefix}history:idx:${indexBucket(id)}`;
  // Half way through the last minute: messages of one test share an index bucket.
  const midMinute = () => Date.now() - (Date.now() % 60_000) - 30_000;

  it("keeps one stream entry per batch, counted in events, and index records in expiring buckets", async () => {
    const store = createRedisHistory(redis, { maxLen: 1000, maxAgeMs: 60_000, prefix: "layout:" });
    const m = sent(ALICE, [BOB]);
    const n = sent(BOB, [ALICE]);
    await store.append([m, n, acked(BOB, [m.message.id])]);
    expect(await redis.xlen("layout:history:log")).toBe(1);
    expect(await redis.get("layout:history:count")).toBe("3");
    const ttl = await redis.pttl(keyOf("layout:", m.message.id));
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    expect(await redis.zscore("layout:history:threads", m.message.id)).toBe(String(Date.parse(m.at)));
    const page = await store.list(query());
    expect(page.entries.map((e) => e.event.type)).toEqual(["message:acked", "message:sent", "message:sent"]);
    // Ids of one batch share the stream entry's time and count up inside it.
    const [ms] = page.entries.map((e) => e.id.split("-")[0]);
    expect(page.entries.every((e) => e.id.startsWith(`${ms}-`))).toBe(true);
    expect((await store.message(m.message.id))?.acks.map((a) => a.instanceId)).toEqual([BOB]);
  });

  it("splits a batch into entries past the size bound; every event keeps its own id", async () => {
    const store = createRedisHistory(redis, { maxLen: 1000, maxAgeMs: 60_000, prefix: "split:" });
    const big = Array.from({ length: 5 }, (_, i) => sent(ALICE, [BOB], { content: `${i}`.repeat(50_000) }));
    await store.append(big);
    expect(await redis.xlen("split:history:log")).toBe(3);
    const page = await store.list(query({ limit: "2" }));
    const rest = await store.list(query({ cursor: page.next! }));
    const ids = [...page.entries, ...rest.entries].map(
      (e) => e.event.type === "message:sent" && e.event.message.id,
    );
    expect(ids).toEqual(big.map((e) => e.message.id).reverse());
    for (const e of big) expect((await store.message(e.message.id))?.entryId).toBeDefined();
  });

  it("drops whole batches at the length cap: at most maxLen events, index fields of the dropped gone", async () => {
    const store = createRedisHistory(redis, { maxLen: 100, maxAgeMs: 60_000, prefix: "cap:" });
    const at = midMinute();
    const batches = Array.from({ length: 5 }, () =>
      Array.from({ length: 30 }, () => sent(ALICE, [BOB], { at })),
    );
    for (const b of batches)
      await store.append([
        ...b,
        acked(
          BOB,
          b.map((e) => e.message.id),
        ),
      ]);
    await store.trim();
    // 5 batches of 31 events: 155 > 100, 124 > 100, 93 <= 100.
    expect(await redis.get("cap:history:count")).toBe("93");
    expect(await redis.xlen("cap:history:log")).toBe(3);
    const all = await store.list(query({ limit: "1000" }));
    expect(all.entries).toHaveLength(93);
    expect(await store.message(batches[1]![29]!.message.id)).toBeNull();
    expect((await store.message(batches[2]![0]!.message.id))?.acks).toHaveLength(1);
    const fields = (await redis.hkeys(keyOf("cap:", batches[0]![0]!.message.id))).length;
    // Per kept message: its record, its recipient's ack and the address's last ack.
    expect(fields).toBe(90 * 3);
  });

  it("finds the ack of a session that took a recipient's queue over, by its address", async () => {
    const store = createRedisHistory(redis, { maxLen: 1000, maxAgeMs: 60_000, prefix: "moved:" });
    const m = sent(ALICE, [BOB, CAROL]);
    const bobAfterClear = "bob@dev2:app/s9";
    await store.append([m]);
    await store.append([acked(CAROL, [m.message.id]), acked(bobAfterClear, [m.message.id])]);
    const acks = (await store.message(m.message.id))?.acks.map((a) => a.instanceId).sort();
    expect(acks).toEqual([bobAfterClear, CAROL].sort());
  });

  it("costs a handful of commands per batch, not per message; counters once per interval", async () => {
    const store = createRedisHistory(redis, {
      maxLen: 10_000,
      maxAgeMs: 60_000,
      prefix: "cost:",
      counterIntervalMs: 100,
    });
    const at = midMinute();
    const messages = Array.from({ length: 200 }, (_, i) =>
      sent(`u${i}@h:p/s`, [`v${i}@h:p/s`], { content: `m${i}`, at }),
    );
    // Only this store's keys: other stores of this file still write their counters meanwhile.
    const calls = await watchCommands("cost:");
    try {
      await store.append([
        ...messages,
        acked(
          BOB,
          messages.map((e) => e.message.id),
        ),
      ]);
      await calls.settle();
      // 201 events of ~250 bytes: 1 entry; count, threads, then one HSET + PEXPIRE for the index.
      expect(calls.counts).toEqual({ xadd: 1, incrby: 1, zadd: 1, hset: 1, pexpire: 1 });
      await waitUntil(async () => (calls.counts.hincrby ?? 0) >= 200 * 2 + 1 + 1, 2000);
      await calls.settle();
      // Senders, edges (receivers are summed from them), the minute and the latency bucket:
      // one HINCRBY per distinct counter, and the slots' expiry.
      expect(calls.counts.hincrby).toBe(200 * 2 + 1 + 1);
      expect((await analytics(store, "1h", Date.now())).totals.task).toBe(200);
    } finally {
      calls.stop();
    }
  });

  it("reads entries written one event each, before batches", async () => {
    const store = createRedisHistory(redis, { maxLen: 1000, maxAgeMs: 60_000, prefix: "old:" });
    const m = sent(ALICE, [BOB], { content: "from before" });
    await redis.xadd("old:history:log", "*", "e", JSON.stringify(m));
    await store.append([sent(BOB, [ALICE], { content: "after" })]);
    const page = await store.list(query());
    expect(page.entries.map((e) => e.event.type === "message:sent" && e.event.message.content)).toEqual([
      "after",
      "from before",
    ]);
  });

  it("rejects with ENGINE_UNAVAILABLE while Redis is away", async () => {
    const lonely = new Redis(1, "127.0.0.1", {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    lonely.on("error", () => {});
    const store = createRedisHistory(lonely, { maxLen: 1000, maxAgeMs: 60_000, prefix: "away:" });
    await expect(store.append([sent(ALICE, [BOB])])).rejects.toMatchObject({ code: "ENGINE_UNAVAILABLE" });
    lonely.disconnect();
  });
});

/** Counts, per command, what MONITOR shows touching keys under `prefix`. */
async function watchCommands(prefix: string) {
  const monitor = await redis.monitor();
  const counts: Record<string, number> = {};
  let seen = 0;
  monitor.on("monitor", (_time: string, args: string[]) => {
    seen++;
    if (!args[1]?.startsWith(prefix)) return;
    const cmd = args[0]!.toLowerCase();
    counts[cmd] = (counts[cmd] ?? 0) + 1;
  });
  return {
    counts,
    /** Resolves once MONITOR has shown a command sent after this call (it lags the replies). */
    async settle(): Promise<void> {
      const mark = seen;
      await redis.ping();
      await waitUntil(async () => seen > mark, 2000);
    },
    stop: () => monitor.disconnect(),
  };
}

async function waitUntil(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

import type { Redis } from "ioredis";
import { CounterBuffer } from "../core/counter-buffer.js";
import { execAll } from "../engine/redis-context.js";
import { guard, toEngineError } from "../engine/redis-errors.js";
import type { HistoryOptions, HistoryStore } from "./history-store.js";
import { append, HistoryIndexError, writeCounters } from "./redis-history-append.js";
import { historyKeys, type RedisHistoryContext } from "./redis-history-keys.js";
import * as read from "./redis-history-read.js";
import * as threads from "./redis-history-threads.js";
import { trim } from "./redis-history-trim.js";

export { HistoryIndexError } from "./redis-history-append.js";

/** Aggregate counters reach Redis this often (and before this store reads them or closes). */
const COUNTER_INTERVAL_MS = 1000;

/**
 * The history in one Redis stream shared by every replica. The caller owns `redis` (the
 * engine's fail-fast command connection). See redis-history-keys.ts for the layout and
 * redis-history-append.ts for what a batch costs.
 */
export function createRedisHistory(
  redis: Redis,
  opts: HistoryOptions & { prefix: string; counterIntervalMs?: number },
  clock: () => number = Date.now,
): HistoryStore {
  const ctx: RedisHistoryContext = { redis, keys: historyKeys(opts.prefix), opts, clock };
  // A backstop for a hub whose trimmer is not running: XADD itself caps the stream a little
  // above maxLen entries (index records of entries it drops then expire by age instead).
  const hardCap = String(opts.maxLen + Math.max(1000, Math.floor(opts.maxLen / 10)));
  const counters = new CounterBuffer<number>(
    (sums) => writeCounters(ctx, sums),
    opts.counterIntervalMs ?? COUNTER_INTERVAL_MS,
  );
  return {
    kind: "redis",
    append: (events) =>
      append(ctx, events, hardCap, counters).catch((err: unknown) => {
        throw err instanceof HistoryIndexError ? err : toEngineError(err);
      }),
    trim: () => guard(() => trim(ctx)),
    list: (q) => guard(() => read.list(ctx, q)),
    message: (id) => guard(() => read.message(ctx, id)),
    threads: (q) => guard(() => threads.threads(ctx, q)),
    thread: (rootId) => guard(() => threads.thread(ctx, rootId)),
    slots: (from, to) =>
      guard(async () => {
        await counters.flush();
        return read.slots(ctx, from, to);
      }),
    putReplica: (record, ttlMs) =>
      guard(async () => {
        const p = redis.pipeline();
        p.set(ctx.keys.replica(record.replica), JSON.stringify(record), "PX", ttlMs);
        p.zadd(ctx.keys.replicas, clock(), record.replica);
        await execAll(p);
      }),
    replicas: () => guard(() => read.replicas(ctx)),
    // Shutting down with Redis away: the last second of counts is lost, never the shutdown.
    close: () => counters.close().catch(() => {}),
  };
}

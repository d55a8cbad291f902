import { HISTORY_LIMITS, type HubEvent } from "@cc2cc/shared";
import type { Redis } from "ioredis";
import { execAll } from "../engine/redis-context.js";
import { guard, toEngineError } from "../engine/redis-errors.js";
import { SLOT_MS, sumIncrements } from "./aggregates.js";
import { parentsToLookUp, planAppend } from "./append-plan.js";
import type { HistoryOptions, HistoryStore } from "./history-store.js";
import { historyKeys, type RedisHistoryContext } from "./redis-history-keys.js";
import * as read from "./redis-history-read.js";
import * as threads from "./redis-history-threads.js";
import { trim } from "./redis-history-trim.js";

/** The log's entries could not all be indexed; the entries themselves were written (no retry). */
export class HistoryIndexError extends Error {
  override readonly name = "HistoryIndexError";
}

/**
 * The history in one Redis stream shared by every replica. The caller owns `redis` (the
 * engine's fail-fast command connection). See redis-history-keys.ts for the layout.
 */
export function createRedisHistory(
  redis: Redis,
  opts: HistoryOptions & { prefix: string },
  clock: () => number = Date.now,
): HistoryStore {
  const ctx: RedisHistoryContext = { redis, keys: historyKeys(opts.prefix), opts, clock };
  // A backstop for a hub whose trimmer is not running: XADD itself caps the stream a little
  // above maxLen (index records of entries it drops then expire by age instead).
  const hardCap = String(opts.maxLen + Math.max(1000, Math.floor(opts.maxLen / 10)));
  return {
    kind: "redis",
    append: (events) =>
      append(ctx, events, hardCap).catch((err: unknown) => {
        throw err instanceof HistoryIndexError ? err : toEngineError(err);
      }),
    trim: () => guard(() => trim(ctx)),
    list: (q) => guard(() => read.list(ctx, q)),
    message: (id) => guard(() => read.message(ctx, id)),
    threads: (q) => guard(() => threads.threads(ctx, q)),
    thread: (rootId) => guard(() => threads.thread(ctx, rootId)),
    slots: (from, to) => guard(() => read.slots(ctx, from, to)),
    putReplica: (record, ttlMs) =>
      guard(async () => {
        const p = redis.pipeline();
        p.set(ctx.keys.replica(record.replica), JSON.stringify(record), "PX", ttlMs);
        p.zadd(ctx.keys.replicas, clock(), record.replica);
        await execAll(p);
      }),
    replicas: () => guard(() => read.replicas(ctx)),
    close: async () => {},
  };
}

async function append(ctx: RedisHistoryContext, events: readonly HubEvent[], hardCap: string): Promise<void> {
  if (events.length === 0) return;
  const { redis, keys, opts } = ctx;
  const parents = parentsToLookUp(events);
  const known = new Map<string, string>();
  if (parents.length > 0) {
    const p = redis.pipeline();
    for (const id of parents) p.hget(keys.msg(id), "r");
    const roots = await execAll(p);
    parents.forEach((id, i) => {
      if (typeof roots[i] === "string") known.set(id, roots[i] as string);
    });
  }
  const plan = planAppend(events, known);
  const p = redis.pipeline();
  for (const e of events) p.xadd(keys.log, "MAXLEN", "~", hardCap, "*", "e", JSON.stringify(e));
  for (const m of plan.messages) p.zadd(keys.threads, "GT", m.atMs, m.rootId);
  for (const r of plan.replies) {
    p.rpush(keys.thread(r.rootId), r.messageId);
    p.ltrim(keys.thread(r.rootId), -HISTORY_LIMITS.threadMessagesMax, -1);
    p.pexpire(keys.thread(r.rootId), opts.maxAgeMs);
    p.sadd(keys.participants(r.rootId), ...r.participants);
    p.pexpire(keys.participants(r.rootId), opts.maxAgeMs);
  }
  for (const a of plan.acks) {
    p.hset(keys.msg(a.messageId), `a:${a.instanceId}`, a.atMs);
    p.pexpire(keys.msg(a.messageId), opts.maxAgeMs);
  }
  for (const [slot, fields] of sumIncrements(plan.increments)) {
    for (const [field, n] of fields) p.hincrby(keys.slot(slot), field, n);
    p.pexpire(keys.slot(slot), opts.maxAgeMs + SLOT_MS);
  }
  const replies = await execAll(p);
  if (plan.messages.length === 0) return;
  // The entry ids only exist once XADD answered, hence a second round trip for the index.
  const p2 = redis.pipeline();
  for (const m of plan.messages) {
    p2.hset(keys.msg(m.messageId), "s", String(replies[m.index]), "r", m.rootId);
    p2.pexpire(keys.msg(m.messageId), opts.maxAgeMs);
  }
  try {
    await execAll(p2);
  } catch (err) {
    throw new HistoryIndexError(`history entries written but not indexed: ${String(err)}`, { cause: err });
  }
}

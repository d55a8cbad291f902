import { HISTORY_LIMITS, type HubEvent } from "@cc2cc/shared";
import type { CounterBuffer, Sums } from "../core/counter-buffer.js";
import { execAll } from "../engine/redis-context.js";
import { SLOT_MS } from "./aggregates.js";
import { type AppendPlan, parentsToLookUp, planAppend } from "./append-plan.js";
import { ackPairs, parseRecord, recordValue } from "./redis-history-index.js";
import {
  ENTRY_BYTES_MAX,
  ENTRY_EVENTS_MAX,
  eventIdOf,
  INDEX_BUCKET_MS,
  indexBucket,
  type RedisHistoryContext,
} from "./redis-history-keys.js";

/** The log's entries could not all be indexed; the entries themselves were written (no retry). */
export class HistoryIndexError extends Error {
  override readonly name = "HistoryIndexError";
}

/**
 * Appending a batch costs a handful of commands whatever its size: one stream entry (split only
 * past ENTRY_EVENTS_MAX events or ENTRY_BYTES_MAX), the event count, one ZADD for the threads,
 * then one HSET per index bucket (message records and acks together); the counters go to
 * `counters`, which writes them once a second. Replies cost a few commands per thread.
 */
export async function append(
  ctx: RedisHistoryContext,
  events: readonly HubEvent[],
  hardCap: string,
  counters: CounterBuffer<number>,
): Promise<void> {
  if (events.length === 0) return;
  const { redis, keys, opts } = ctx;
  const plan = planAppend(events, await knownRoots(ctx, parentsToLookUp(events)));
  const chunks = encode(events);
  const p = redis.pipeline();
  for (const c of chunks) p.xadd(keys.log, "MAXLEN", "~", hardCap, "*", "b", c.json);
  p.incrby(keys.count, events.length);
  if (plan.messages.length > 0) {
    p.zadd(keys.threads, "GT", ...plan.messages.flatMap((m) => [m.atMs, m.rootId]));
  }
  for (const [rootId, r] of repliesByRoot(plan)) {
    p.rpush(keys.thread(rootId), ...r.ids);
    p.ltrim(keys.thread(rootId), -HISTORY_LIMITS.threadMessagesMax, -1);
    p.pexpire(keys.thread(rootId), opts.maxAgeMs);
    p.sadd(keys.participants(rootId), ...r.participants);
    p.pexpire(keys.participants(rootId), opts.maxAgeMs);
  }
  const replies = await execAll(p);
  for (const { slot, field } of plan.increments) counters.add(slot, field);

  // The event ids only exist once XADD answered, hence a second round trip for the index.
  const buckets = new Map<string, string[]>();
  const put = (messageId: string, pairs: string[]) => {
    const bucket = indexBucket(messageId);
    const fields = buckets.get(bucket);
    if (fields) fields.push(...pairs);
    else buckets.set(bucket, pairs);
  };
  let c = 0;
  for (const m of plan.messages) {
    while (c + 1 < chunks.length && chunks[c + 1]!.first <= m.index) c++;
    const eventId = eventIdOf(String(replies[c]), m.index - chunks[c]!.first);
    put(m.messageId, [m.messageId, recordValue(eventId, m.rootId)]);
  }
  for (const a of plan.acks) put(a.messageId, ackPairs(a.messageId, a.instanceId, a.atMs));
  if (buckets.size === 0) return;
  const p2 = redis.pipeline();
  for (const [bucket, pairs] of buckets) {
    p2.hset(keys.idx(bucket), ...pairs);
    p2.pexpire(keys.idx(bucket), opts.maxAgeMs + INDEX_BUCKET_MS);
  }
  try {
    await execAll(p2);
  } catch (err) {
    throw new HistoryIndexError(`history entries written but not indexed: ${String(err)}`, { cause: err });
  }
}

/** Roots of the parents a batch replies to, from their index records. */
async function knownRoots(ctx: RedisHistoryContext, parents: string[]): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  if (parents.length === 0) return known;
  const p = ctx.redis.pipeline();
  for (const id of parents) p.hget(ctx.keys.idx(indexBucket(id)), id);
  const records = await execAll(p);
  parents.forEach((id, i) => {
    const r = parseRecord(records[i]);
    if (r) known.set(id, r.rootId);
  });
  return known;
}

/** The batch as stream entries: JSON arrays of consecutive events, `first` = index of the first. */
function encode(events: readonly HubEvent[]): Array<{ first: number; json: string }> {
  const chunks: Array<{ first: number; json: string }> = [];
  let parts: string[] = [];
  let bytes = 0;
  let first = 0;
  const close = () => {
    chunks.push({ first, json: `[${parts.join(",")}]` });
    first += parts.length;
    parts = [];
    bytes = 0;
  };
  for (const e of events) {
    const json = JSON.stringify(e);
    if (parts.length > 0 && (parts.length >= ENTRY_EVENTS_MAX || bytes + json.length > ENTRY_BYTES_MAX))
      close();
    parts.push(json);
    bytes += json.length;
  }
  close();
  return chunks;
}

function repliesByRoot(plan: AppendPlan): Map<string, { ids: string[]; participants: Set<string> }> {
  const byRoot = new Map<string, { ids: string[]; participants: Set<string> }>();
  for (const r of plan.replies) {
    const t = byRoot.get(r.rootId) ?? { ids: [], participants: new Set<string>() };
    byRoot.set(r.rootId, t);
    t.ids.push(r.messageId);
    for (const p of r.participants) t.participants.add(p);
  }
  return byRoot;
}

export async function writeCounters(ctx: RedisHistoryContext, sums: Sums<number>): Promise<void> {
  const p = ctx.redis.pipeline();
  for (const [slot, fields] of sums) {
    for (const [field, n] of fields) p.hincrby(ctx.keys.slot(slot), field, n);
    p.pexpire(ctx.keys.slot(slot), ctx.opts.maxAgeMs + SLOT_MS);
  }
  await execAll(p);
}

import {
  HISTORY_LIMITS,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
  type HubEvent,
  type MessageRecord,
  type ReplicaRecord,
} from "@cc2cc/shared";
import { execAll } from "../engine/redis-context.js";
import { SLOT_MS } from "./aggregates.js";
import type { SlotCounts } from "./history-store.js";
import { compareEntryIds, matchesQuery } from "./query-match.js";
import { ackFieldsOf, acksFrom, parseRecord } from "./redis-history-index.js";
import {
  entryOfEvent,
  eventIdOf,
  eventsOf,
  indexBucket,
  type RedisHistoryContext,
} from "./redis-history-keys.js";
import { recordOf } from "./thread-page.js";

type Record_ = Omit<MessageRecord, "status">;
type SentEvent = Extract<HubEvent, { type: "message:sent" }>;
/** Stream entries per read: a few at first (a page may end in the newest batch), more as needed. */
const FIRST_READ = 8;
const READ_MAX = 256;

/**
 * Newest first across batches: an entry's events are read last to first, each under its own
 * event id, so a page (or the scan budget, which counts events) may end inside a batch and
 * the cursor resumes in the same entry.
 */
export async function list(ctx: RedisHistoryContext, q: HistoryQuery): Promise<HistoryPage> {
  const untilId = q.until !== undefined ? `${q.until}-0` : undefined;
  let end = untilId !== undefined ? `(${untilId}` : "+";
  let resume: { entryId: string; index: number } | undefined;
  if (q.cursor !== undefined && (untilId === undefined || compareEntryIds(q.cursor, untilId) < 0)) {
    resume = entryOfEvent(q.cursor);
    end = resume.entryId;
  }
  const start = q.since !== undefined ? `${q.since}-0` : "-";
  const entries: HistoryEntry[] = [];
  let scanned = 0;
  let lastId: string | null = null;
  for (let count = FIRST_READ; ; count = Math.min(READ_MAX, count * 2)) {
    const batch = await ctx.redis.xrevrange(ctx.keys.log, end, start, "COUNT", count);
    for (const [entryId, fields] of batch) {
      const events = eventsOf(fields);
      let i = events.length - 1;
      if (resume?.entryId === entryId) i = Math.min(i, resume.index - 1);
      for (; i >= 0; i--) {
        if (scanned >= HISTORY_LIMITS.scanBudget) return { entries, next: lastId, scanned };
        scanned++;
        lastId = eventIdOf(entryId, i);
        const event = events[i]!;
        if (matchesQuery(event, q)) {
          entries.push({ id: lastId, event });
          if (entries.length >= q.limit) return { entries, next: lastId, scanned };
        }
      }
      end = `(${entryId}`;
    }
    if (batch.length < count) return { entries, next: null, scanned };
  }
}

/** Index records, their logged events and acks for many messages, in three round trips. */
export async function records(
  ctx: RedisHistoryContext,
  ids: readonly string[],
): Promise<Array<Record_ | null>> {
  if (ids.length === 0) return [];
  const { redis, keys } = ctx;
  const p = redis.pipeline();
  for (const id of ids) p.hget(keys.idx(indexBucket(id)), id);
  const indexed = (await execAll(p)).map(parseRecord);
  const wanted = [...new Set(indexed.flatMap((r) => (r ? [entryOfEvent(r.eventId).entryId] : [])))];
  const p2 = redis.pipeline();
  for (const entryId of wanted) p2.xrange(keys.log, entryId, entryId);
  const found = (await execAll(p2)) as Array<Array<[string, string[]]>>;
  const entries = new Map(wanted.map((entryId, i) => [entryId, eventsOf(found[i]?.[0]?.[1] ?? [])]));
  const sent = indexed.map((r, i): SentEvent | null => {
    if (!r) return null;
    const { entryId, index } = entryOfEvent(r.eventId);
    const e = entries.get(entryId)?.[index];
    return e?.type === "message:sent" && e.message.id === ids[i] ? e : null;
  });
  const p3 = redis.pipeline();
  // Live-only sends (no queued recipients) have no acks to look for.
  const acked = sent.filter((e): e is SentEvent => e !== null && e.recipients.length > 0);
  for (const e of acked) p3.hmget(keys.idx(indexBucket(e.message.id)), ...ackFieldsOf(e));
  const ackValues = acked.length > 0 ? ((await execAll(p3)) as unknown[][]) : [];
  let k = 0;
  return sent.map((e, i) => {
    if (!e) return null;
    const acks = e.recipients.length > 0 ? acksFrom(e, ackValues[k++] ?? []) : new Map<string, number>();
    return recordOf({ id: indexed[i]!.eventId, event: e }, indexed[i]!.rootId, acks);
  });
}

export async function message(ctx: RedisHistoryContext, id: string): Promise<Record_ | null> {
  return (await records(ctx, [id]))[0] ?? null;
}

export async function slots(
  ctx: RedisHistoryContext,
  fromSlot: number,
  toSlot: number,
): Promise<SlotCounts[]> {
  const wanted: number[] = [];
  for (let s = fromSlot; s <= toSlot; s += SLOT_MS) wanted.push(s);
  const p = ctx.redis.pipeline();
  for (const s of wanted) p.hgetall(ctx.keys.slot(s));
  const hashes = (await execAll(p)) as Array<Record<string, string>>;
  return wanted
    .map((slot, i) => ({
      slot,
      fields: Object.fromEntries(Object.entries(hashes[i] ?? {}).map(([f, v]) => [f, Number(v)])),
    }))
    .filter((s) => Object.keys(s.fields).length > 0);
}

export async function replicas(ctx: RedisHistoryContext): Promise<ReplicaRecord[]> {
  const { redis, keys } = ctx;
  const names = await redis.zrange(keys.replicas, 0, -1);
  if (names.length === 0) return [];
  const raw = await redis.mget(...names.map((n) => keys.replica(n)));
  const gone = names.filter((_, i) => raw[i] === null);
  if (gone.length > 0) await redis.zrem(keys.replicas, ...gone);
  return raw
    .filter((r): r is string => r !== null)
    .map((r) => JSON.parse(r) as ReplicaRecord)
    .sort((a, b) => a.replica.localeCompare(b.replica));
}

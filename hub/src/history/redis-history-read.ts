import {
  HISTORY_LIMITS,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
  type MessageRecord,
  type ReplicaRecord,
} from "@cc2cc/shared";
import { execAll } from "../engine/redis-context.js";
import { SLOT_MS } from "./aggregates.js";
import type { SlotCounts } from "./history-store.js";
import { compareEntryIds, matchesQuery } from "./query-match.js";
import { eventOf, type RedisHistoryContext } from "./redis-history-keys.js";
import { recordOf } from "./thread-page.js";

type Record_ = Omit<MessageRecord, "status">;
const READ_BATCH = 500;

export async function list(ctx: RedisHistoryContext, q: HistoryQuery): Promise<HistoryPage> {
  const untilId = q.until !== undefined ? `${q.until}-0` : undefined;
  let end = untilId !== undefined ? `(${untilId}` : "+";
  if (q.cursor !== undefined && (untilId === undefined || compareEntryIds(q.cursor, untilId) < 0)) {
    end = `(${q.cursor}`;
  }
  const start = q.since !== undefined ? `${q.since}-0` : "-";
  const entries: HistoryEntry[] = [];
  let scanned = 0;
  let lastId: string | null = null;
  while (scanned < HISTORY_LIMITS.scanBudget) {
    const count = Math.min(READ_BATCH, HISTORY_LIMITS.scanBudget - scanned);
    const batch = await ctx.redis.xrevrange(ctx.keys.log, end, start, "COUNT", count);
    for (const [id, fields] of batch) {
      scanned++;
      lastId = id;
      const event = eventOf(fields);
      if (event && matchesQuery(event, q)) {
        entries.push({ id, event });
        if (entries.length >= q.limit) return { entries, next: id, scanned };
      }
    }
    if (batch.length < count) return { entries, next: null, scanned };
    end = `(${lastId}`;
  }
  return { entries, next: lastId, scanned };
}

/** Index hashes and their log entries for many messages, in two round trips. */
export async function records(
  ctx: RedisHistoryContext,
  ids: readonly string[],
): Promise<Array<Record_ | null>> {
  if (ids.length === 0) return [];
  const p = ctx.redis.pipeline();
  for (const id of ids) p.hgetall(ctx.keys.msg(id));
  const hashes = (await execAll(p)) as Array<Record<string, string>>;
  const p2 = ctx.redis.pipeline();
  for (const h of hashes) p2.xrange(ctx.keys.log, h.s ?? "0-1", h.s ?? "0-1");
  const found = (await execAll(p2)) as Array<Array<[string, string[]]>>;
  return hashes.map((h, i) => {
    const hit = h.s !== undefined ? found[i]?.[0] : undefined;
    const event = hit ? eventOf(hit[1]) : null;
    if (!hit || event?.type !== "message:sent") return null;
    const acks = new Map<string, number>();
    for (const [field, value] of Object.entries(h)) {
      if (field.startsWith("a:")) acks.set(field.slice(2), Number(value));
    }
    return recordOf({ id: hit[0], event }, h.r ?? ids[i]!, acks);
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

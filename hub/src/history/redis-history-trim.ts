import { execAll } from "../engine/redis-context.js";
import { fieldsOf } from "./redis-history-index.js";
import {
  eventsOf,
  indexBucket,
  msOfEntry,
  nextEntryId,
  type RedisHistoryContext,
} from "./redis-history-keys.js";

/**
 * Stream entries read per round; each holds one appended batch (up to ENTRY_BYTES_MAX), and
 * each is parsed here to find the messages it names. Rounds are small and yield to the event
 * loop in between: at 6,000 msgs/s, rounds of 50 entries (up to 6 MiB of JSON parsed at once)
 * stalled every send for tens of milliseconds each time the trim ran (p99 86-97 ms against
 * 28-34 ms with trimming off).
 */
const TRIM_BATCH = 2;
const TRIM_ROUNDS = 2000;
/** One trim stops after this long; the next (every trimIntervalMs) carries on. */
const TRIM_BUDGET_MS = 1000;
const TRIM_LOCK_MS = 3000;

/**
 * Drops the oldest entries while the log holds more than `maxLen` events, or while they are
 * older than `maxAge`, with the index records of the messages among them; reads what it drops
 * because only the entries name them. Entries go whole, so the length cap keeps at most
 * `maxLen` events (one batch fewer at worst).
 */
export async function trim(ctx: RedisHistoryContext): Promise<void> {
  const { redis, keys, opts, clock } = ctx;
  if ((await redis.set(keys.trimLock, "1", "PX", TRIM_LOCK_MS, "NX")) !== "OK") return;
  const now = clock();
  const cutoff = now - opts.maxAgeMs;
  const count = Number((await redis.get(keys.count)) ?? 0);
  const over = count - opts.maxLen;
  // The common case, nothing to drop, costs one entry read rather than a batch.
  const [oldest] = over > 0 ? [] : await redis.xrange(keys.log, "-", "+", "COUNT", 1);
  if (over > 0 || (oldest !== undefined && msOfEntry(oldest[0]) < cutoff))
    await dropOldest(ctx, over, cutoff);
  const p = redis.pipeline();
  // An empty log counts nothing, whatever a lost write or XADD's own cap left in the count.
  if (over <= 0 && oldest === undefined && count !== 0) p.set(keys.count, 0);
  p.zremrangebyscore(keys.threads, "-inf", `(${cutoff}`);
  p.zremrangebyrank(keys.threads, 0, -(opts.maxLen + 1));
  await execAll(p);
}

async function dropOldest(ctx: RedisHistoryContext, overBy: number, cutoff: number): Promise<void> {
  const { redis, keys } = ctx;
  let over = overBy;
  const until = Date.now() + TRIM_BUDGET_MS;
  for (let round = 0; round < TRIM_ROUNDS && Date.now() < until; round++) {
    if (round > 0) await new Promise((resolve) => setImmediate(resolve));
    const batch = await redis.xrange(keys.log, "-", "+", "COUNT", TRIM_BATCH);
    let drop = 0;
    let events = 0;
    const fields = new Map<string, string[]>();
    for (const [id, entryFields] of batch) {
      if (over <= 0 && msOfEntry(id) >= cutoff) break;
      const dropped = eventsOf(entryFields);
      drop++;
      events += dropped.length;
      over -= dropped.length;
      for (const e of dropped) {
        if (e.type !== "message:sent") continue;
        const bucket = indexBucket(e.message.id);
        const list = fields.get(bucket) ?? [];
        fields.set(bucket, list);
        list.push(...fieldsOf(e));
      }
    }
    if (drop === 0) break;
    const p = redis.pipeline();
    for (const [bucket, f] of fields) p.hdel(keys.idx(bucket), ...f);
    p.xtrim(keys.log, "MINID", nextEntryId(batch[drop - 1]![0]));
    p.decrby(keys.count, events);
    await execAll(p);
    if (drop < batch.length) break;
  }
}

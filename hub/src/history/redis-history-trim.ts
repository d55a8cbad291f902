import { execAll } from "../engine/redis-context.js";
import { eventOf, msOfEntry, nextEntryId, type RedisHistoryContext } from "./redis-history-keys.js";

const TRIM_BATCH = 200;
const TRIM_ROUNDS = 50;
const TRIM_LOCK_MS = 3000;

/**
 * Drops the oldest entries over `maxLen` or older than `maxAge`, with the index records of the
 * messages among them; reads what it drops (in batches) because only the entries name them.
 */
export async function trim(ctx: RedisHistoryContext): Promise<void> {
  const { redis, keys, opts, clock } = ctx;
  if ((await redis.set(keys.trimLock, "1", "PX", TRIM_LOCK_MS, "NX")) !== "OK") return;
  const now = clock();
  const cutoff = now - opts.maxAgeMs;
  const over = (await redis.xlen(keys.log)) - opts.maxLen;
  // The common case, nothing to drop, costs one entry read rather than a batch.
  const [oldest] = over > 0 ? [] : await redis.xrange(keys.log, "-", "+", "COUNT", 1);
  if (over > 0 || (oldest !== undefined && msOfEntry(oldest[0]) < cutoff))
    await dropOldest(ctx, over, cutoff);
  const p = redis.pipeline();
  p.zremrangebyscore(keys.threads, "-inf", `(${cutoff}`);
  p.zremrangebyrank(keys.threads, 0, -(opts.maxLen + 1));
  await execAll(p);
}

async function dropOldest(ctx: RedisHistoryContext, overBy: number, cutoff: number): Promise<void> {
  const { redis, keys } = ctx;
  let over = overBy;
  for (let round = 0; round < TRIM_ROUNDS; round++) {
    const batch = await redis.xrange(keys.log, "-", "+", "COUNT", TRIM_BATCH);
    let drop = 0;
    const messageKeys: string[] = [];
    for (const [id, fields] of batch) {
      if (drop >= over && msOfEntry(id) >= cutoff) break;
      drop++;
      const e = eventOf(fields);
      if (e?.type === "message:sent") messageKeys.push(keys.msg(e.message.id));
    }
    if (drop === 0) break;
    const p = redis.pipeline();
    if (messageKeys.length > 0) p.del(...messageKeys);
    p.xtrim(keys.log, "MINID", nextEntryId(batch[drop - 1]![0]));
    await execAll(p);
    over -= drop;
    if (drop < batch.length) break;
  }
}

import { randomUUID } from "node:crypto";
import type { ReapResult } from "./engine.js";
import { execAll, queueUnsubscribes, type RedisContext } from "./redis-context.js";
import { instanceKeyList } from "./redis-keys.js";

// Long enough for any reap; a replica that dies mid-reap blocks the others this long at most.
const LOCK_MS = 30_000;

type InstanceStep =
  | [0 | 4, number, number] // online / offline but recent: lastSeen, lastActivity
  | [1, number, number] // went offline: requeued, lastSeen
  | [2, ...string[]] // removed: its topics
  | [3]; // gone already

/**
 * Every step is an atomic script on one instance or one topic, so replicas reaping at once
 * cannot double-requeue; the lock only saves them the duplicate work. It is held for the
 * duration of one run (not a whole interval) so a later run always sees fresh state.
 */
export async function reap(ctx: RedisContext): Promise<ReapResult> {
  const { redis, keys, opts, scripts } = ctx;
  const result: ReapResult = { wentOffline: [], requeued: 0, removed: [], topicsExpired: [] };
  const token = randomUUID();
  if ((await redis.set(keys.reaperLock, token, "PX", LOCK_MS, "NX")) !== "OK") return result;
  try {
    const [sec, micro] = await redis.time();
    const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
    const [held, idle, emptyTopics] = (await execAll(
      redis
        .pipeline()
        .zrangebyscore(keys.held, "-inf", now - opts.presenceTtlMs)
        .zrangebyscore(keys.index, "-inf", now - opts.queueTtlMs)
        .zrangebyscore(keys.topicEmpty, "-inf", now - opts.topicEmptyTtlMs),
    )) as [string[], string[], string[]];

    const ids = [...new Set([...held, ...idle])];
    const idleSet = new Set(idle);
    const steps = ids.length === 0 ? [] : ((await execAll(instanceSteps(ctx, ids))) as InstanceStep[]);
    const follow = redis.pipeline();
    const dropHeld: string[] = [];
    const dropIndex: string[] = [];
    steps.forEach((step, i) => {
      const id = ids[i]!;
      switch (step[0]) {
        case 0:
        case 4:
          if (step[0] === 4) dropHeld.push(id);
          // Offline but written to lately: move its index entry so it is not re-checked each run.
          if (idleSet.has(id)) follow.zadd(keys.index, "XX", "GT", step[2], id);
          break;
        case 1:
          result.wentOffline.push(id);
          result.requeued += step[1];
          dropHeld.push(id);
          break;
        case 2:
          result.removed.push(id);
          dropHeld.push(id);
          dropIndex.push(id);
          queueUnsubscribes(ctx, follow, id, step.slice(1) as string[]);
          break;
        case 3:
          dropHeld.push(id);
          dropIndex.push(id);
          break;
      }
    });
    // Conditional removal: an instance (re-)registered since `now` has a newer score and stays.
    if (dropHeld.length > 0) scripts.queue(follow, "zrem-older-1", [keys.held], [now, ...dropHeld]);
    if (dropIndex.length > 0) scripts.queue(follow, "zrem-older-1", [keys.index], [now, ...dropIndex]);
    for (const topic of emptyTopics) {
      scripts.queue(
        follow,
        "topic-expire-3",
        [keys.topicRegistry, keys.subscribers(topic), keys.topicEmpty],
        [topic, opts.topicEmptyTtlMs],
      );
    }
    const replies = await execAll(follow);
    const expired = replies.slice(replies.length - emptyTopics.length);
    result.topicsExpired = emptyTopics.filter((_, i) => expired[i] === 1).sort();
    result.wentOffline.sort();
    result.removed.sort();
    return result;
  } finally {
    await scripts.run("release-lock-1", [keys.reaperLock], [token]).catch(() => undefined);
  }
}

function instanceSteps(ctx: RedisContext, ids: readonly string[]) {
  const p = ctx.redis.pipeline();
  for (const id of ids) {
    ctx.scripts.queue(p, "reap-instance-9", instanceKeyList(ctx.keys.instance(id)), [ctx.opts.queueTtlMs]);
  }
  return p;
}

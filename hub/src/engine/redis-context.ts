import { Cc2ccError, type InstanceInfo, parseInstanceId } from "@cc2cc/shared";
import type { ChainableCommander, Redis } from "ioredis";
import type { EngineOptions } from "./engine.js";
import { toEngineError } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import type { Scripts } from "./redis-scripts.js";

/** What every part of the Redis engine shares. */
export interface RedisContext {
  redis: Redis;
  keys: RedisKeys;
  opts: EngineOptions;
  scripts: Scripts;
}

/** Runs a pipeline (or MULTI) and returns its replies, throwing the first failure mapped. */
export async function execAll(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Cc2ccError("ENGINE_UNAVAILABLE", "Redis aborted a transaction");
  return replies.map(([err, value]) => {
    if (err) throw toEngineError(err);
    return value;
  });
}

export function iso(ms: string | number | undefined): string {
  const n = Number(ms ?? 0);
  return new Date(Number.isFinite(n) ? n : 0).toISOString();
}

/** Reads instances in one round trip; null for ids that do not exist. */
export async function readInstances(
  ctx: RedisContext,
  ids: readonly string[],
): Promise<Array<InstanceInfo | null>> {
  if (ids.length === 0) return [];
  const p = ctx.redis.pipeline();
  for (const id of ids) {
    const k = ctx.keys.instance(id);
    p.hgetall(k.info).exists(k.presence).llen(k.queue).llen(k.processing);
  }
  const r = await execAll(p);
  return ids.map((id, i) => {
    const info = r[i * 4] as Record<string, string>;
    const parts = parseInstanceId(id);
    if (!parts || !info.registeredAt) return null;
    return {
      instanceId: id,
      ...parts,
      role: info.role ?? null,
      online: r[i * 4 + 1] === 1,
      replica: info.replica ?? null,
      queueDepth: Number(r[i * 4 + 2]),
      processing: Number(r[i * 4 + 3]),
      registeredAt: iso(info.registeredAt),
      lastSeen: iso(info.lastSeen),
    };
  });
}

export async function readInstance(ctx: RedisContext, id: string): Promise<InstanceInfo | null> {
  return (await readInstances(ctx, [id]))[0] ?? null;
}

/** Drops instances from topic subscriber sets (their own topic sets are already gone). */
export function queueUnsubscribes(
  ctx: RedisContext,
  p: ChainableCommander,
  instanceId: string,
  topics: readonly string[],
): void {
  const k = ctx.keys;
  for (const t of topics) {
    ctx.scripts.queue(
      p,
      "topic-unsubscribe-3",
      [k.topicRegistry, k.subscribers(t), k.topicEmpty],
      [t, instanceId],
    );
  }
}

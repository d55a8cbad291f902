import { Cc2ccError, type InstanceInfo, parseInstanceId } from "@cc2cc/shared";
import type { ChainableCommander, Redis } from "ioredis";
import type { EngineOptions } from "./engine.js";
import { toEngineError } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import type { Scripts } from "./redis-scripts.js";
import type { StatusBatch } from "./redis-status-batch.js";

/** What every part of the Redis engine shares. */
export interface RedisContext {
  redis: Redis;
  keys: RedisKeys;
  opts: EngineOptions;
  scripts: Scripts;
  /** Per-replica batched writes: sent-message records and daily counters. */
  status: StatusBatch;
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
  const keysOf = (id: string) => {
    const k = ctx.keys.instance(id);
    return [k.info, k.presence, k.queue, k.processing];
  };
  let replies: unknown[];
  if (ids.length === 1) {
    replies = [await ctx.scripts.run("instance-read-4", keysOf(ids[0]!), [])];
  } else {
    const p = ctx.redis.pipeline();
    for (const id of ids) ctx.scripts.queue(p, "instance-read-4", keysOf(id), []);
    replies = await execAll(p);
  }
  return ids.map((id, i) => {
    const [flat, online, queueDepth, processing] = replies[i] as [string[], number, number, number];
    const info: Record<string, string> = {};
    for (let j = 0; j + 1 < flat.length; j += 2) info[flat[j]!] = flat[j + 1]!;
    const parts = parseInstanceId(id);
    if (!parts || !info.registeredAt) return null;
    return {
      instanceId: id,
      ...parts,
      role: info.role ?? null,
      online: online === 1,
      replica: info.replica ?? null,
      queueDepth: Number(queueDepth),
      processing: Number(processing),
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

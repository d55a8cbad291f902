import type { DeadLetter, DeadLetterReason } from "./engine.js";
import type { RedisContext } from "./redis-context.js";
import { parseMessage } from "./redis-queues.js";

/** Entries are '<reason>|<deliveries>|<deadAtMs>|<message JSON>', written by claim-7.lua. */
function parseEntry(entry: string): DeadLetter {
  const [reason = "", deliveries = "0", deadAt = "0"] = entry.split("|", 3);
  const start = reason.length + deliveries.length + deadAt.length + 3;
  return {
    message: parseMessage(entry.slice(start)),
    reason: reason as DeadLetterReason,
    deliveries: Number(deliveries),
    deadAt: Number(deadAt),
  };
}

export async function deadLetters(
  ctx: RedisContext,
  instanceId: string,
  limit: number,
): Promise<DeadLetter[]> {
  const k = ctx.keys.instance(instanceId);
  const entries = (await ctx.scripts.run(
    "dead-letters-2",
    [k.dead, k.deadEntries],
    [Math.max(0, Math.floor(limit))],
  )) as string[];
  return entries.map(parseEntry);
}

export async function deadLetterCount(ctx: RedisContext, instanceId: string): Promise<number> {
  return ctx.redis.llen(ctx.keys.instance(instanceId).dead);
}

export async function replayDeadLetter(
  ctx: RedisContext,
  instanceId: string,
  messageId: string,
): Promise<boolean> {
  const k = ctx.keys.instance(instanceId);
  const reply = await ctx.scripts.run(
    "replay-dead-letter-7",
    [k.info, k.queue, k.processing, k.bodies, k.meta, k.dead, k.deadEntries],
    [messageId, ctx.opts.queueTtlMs],
  );
  return reply === 1;
}

export async function discardDeadLetter(
  ctx: RedisContext,
  instanceId: string,
  messageId: string,
): Promise<boolean> {
  const k = ctx.keys.instance(instanceId);
  return (await ctx.scripts.run("discard-dead-letter-2", [k.dead, k.deadEntries], [messageId])) === 1;
}

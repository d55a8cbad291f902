import type { Message, QueueStats } from "@cc2cc/shared";
import { DEAD_LETTER_CAP, type EnqueueResult } from "./engine.js";
import { execAll, type RedisContext } from "./redis-context.js";
import { checkReply, scriptError, scriptErrorCode } from "./redis-errors.js";
import { messageKeyList } from "./redis-keys.js";

export async function enqueue(
  ctx: RedisContext,
  recipients: readonly string[],
  message: Message,
): Promise<EnqueueResult> {
  const result: EnqueueResult = { queued: [], refused: [] };
  const unique = [...new Set(recipients)];
  if (unique.length === 0) return result;
  const json = JSON.stringify(message);
  // One script per recipient (each on its own slot), all in one round trip.
  const p = ctx.redis.pipeline();
  for (const id of unique) {
    const k = ctx.keys.instance(id);
    ctx.scripts.queue(
      p,
      "enqueue-7",
      [k.info, ...messageKeyList(k)],
      [message.id, json, ctx.opts.queueMax, ctx.opts.queueTtlMs],
    );
  }
  const replies = await execAll(p);
  unique.forEach((instanceId, i) => {
    const code = scriptErrorCode(replies[i]);
    if (code === null) result.queued.push(instanceId);
    else if (code === "UNKNOWN_RECIPIENT" || code === "QUEUE_FULL") result.refused.push({ instanceId, code });
    else throw scriptError(code, instanceId);
  });
  return result;
}

export async function claim(
  ctx: RedisContext,
  instanceId: string,
  connId: string,
  max: number,
): Promise<Message[]> {
  const k = ctx.keys.instance(instanceId);
  const bodies = checkReply(
    await ctx.scripts.run(
      "claim-7",
      [k.info, ...messageKeyList(k)],
      [
        connId,
        Math.max(0, Math.floor(max)),
        ctx.opts.inflightWindow,
        ctx.opts.queueTtlMs,
        ctx.opts.maxDeliveries,
        ctx.opts.messageTtlMs,
        DEAD_LETTER_CAP,
      ],
    ),
    instanceId,
  ) as string[];
  return bodies.map(parseMessage);
}

export async function ack(
  ctx: RedisContext,
  instanceId: string,
  messageIds: readonly string[],
): Promise<number> {
  if (messageIds.length === 0) return 0;
  const k = ctx.keys.instance(instanceId);
  return Number(await ctx.scripts.run("ack-4", [k.queue, k.processing, k.bodies, k.meta], [...messageIds]));
}

export async function requeue(ctx: RedisContext, instanceId: string): Promise<number> {
  const k = ctx.keys.instance(instanceId);
  return Number(await ctx.scripts.run("requeue-6", messageKeyList(k), [ctx.opts.queueTtlMs]));
}

export async function queueStats(ctx: RedisContext, instanceId: string): Promise<QueueStats> {
  const k = ctx.keys.instance(instanceId);
  const [pending, processing, oldestPending, oldestProcessing] = (await ctx.scripts.run(
    "queue-stats-3",
    [k.queue, k.processing, k.bodies],
    [],
  )) as [number, number, string | null, string | null];
  const stamps = [oldestPending, oldestProcessing]
    .filter((b): b is string => typeof b === "string")
    .map((b) => parseMessage(b).timestamp)
    .sort((x, y) => Date.parse(x) - Date.parse(y));
  return { instanceId, pending, processing, oldestAt: stamps[0] ?? null };
}

export async function peek(
  ctx: RedisContext,
  instanceId: string,
  limit: number,
): Promise<{ pending: Message[]; processing: Message[] }> {
  const k = ctx.keys.instance(instanceId);
  const [pending, processing] = (await ctx.scripts.run(
    "peek-3",
    [k.queue, k.processing, k.bodies],
    [Math.max(0, Math.floor(limit))],
  )) as [string[], string[]];
  return { pending: pending.map(parseMessage), processing: processing.map(parseMessage) };
}

export async function flush(ctx: RedisContext, instanceId: string): Promise<number> {
  const k = ctx.keys.instance(instanceId);
  return Number(await ctx.scripts.run("flush-6", messageKeyList(k), []));
}

/** Bodies were written by `enqueue` from a validated Message; they are trusted here. */
export function parseMessage(json: string): Message {
  return JSON.parse(json) as Message;
}

import type { Message, QueueStats } from "@cc2cc/shared";
import { type ClaimResult, DEAD_LETTER_CAP, type EnqueueOptions, type EnqueueResult } from "./engine.js";
import { execAll, type RedisContext } from "./redis-context.js";
import { checkReply, scriptError, scriptErrorCode } from "./redis-errors.js";
import { messageKeyList, pairRateKey } from "./redis-keys.js";
import type { ScriptArg, ScriptFile } from "./redis-scripts.js";

export async function enqueue(
  ctx: RedisContext,
  recipients: readonly string[],
  message: Message,
  opts: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const result: EnqueueResult = { queued: [], refused: [] };
  const unique = recipients.length === 1 ? recipients : [...new Set(recipients)];
  if (unique.length === 0) return result;
  const json = JSON.stringify(message);
  const args = (id: string) => enqueueArgs(ctx, id, message, json, opts);
  let replies: unknown[];
  if (unique.length === 1) {
    // One recipient (every direct message): the script itself, no Pipeline object.
    replies = [await ctx.scripts.run(...args(unique[0]!))];
  } else {
    // One script per recipient (each on its own slot), all in one round trip.
    const p = ctx.redis.pipeline();
    for (const id of unique) ctx.scripts.queue(p, ...args(id));
    replies = await execAll(p);
  }
  unique.forEach((instanceId, i) => {
    const reply = replies[i];
    // RATE_LIMITED comes as { code, ms until the window ends }; the other refusals as a code.
    const code = scriptErrorCode(Array.isArray(reply) ? reply[0] : reply);
    if (code === null) {
      result.queued.push(instanceId);
      if (reply === 2) {
        result.handedOver ??= [];
        result.handedOver.push(instanceId);
      } else if (reply === 3) {
        result.notified ??= [];
        result.notified.push(instanceId);
      }
    } else if (code === "RATE_LIMITED") {
      result.refused.push({ instanceId, code, retryAfterMs: Number((reply as unknown[])[1]) });
    } else if (code === "UNKNOWN_RECIPIENT" || code === "QUEUE_FULL")
      result.refused.push({ instanceId, code });
    else throw scriptError(code, instanceId);
  });
  if (result.queued.length > 0) ctx.status.add(message, result.queued);
  return result;
}

function enqueueArgs(
  ctx: RedisContext,
  instanceId: string,
  message: Message,
  json: string,
  opts: EnqueueOptions,
): [ScriptFile, string[], ScriptArg[]] {
  const k = ctx.keys.instance(instanceId);
  const limit = opts.pairLimit;
  return [
    "enqueue-10",
    [
      k.info,
      k.queue,
      k.processing,
      k.bodies,
      k.meta,
      k.dead,
      k.deadEntries,
      pairRateKey(k, message.from),
      k.receipts,
      k.receiptsOld,
    ],
    [
      message.id,
      json,
      ctx.opts.queueMax,
      ctx.opts.queueTtlMs,
      limit ? Math.max(1, Math.floor(limit.perWindow)) : 0,
      limit ? Math.max(1, Math.ceil(limit.windowMs)) : 0,
      message.hops ?? 0,
      ctx.opts.statusTtlMs,
      opts.handover?.get(instanceId) ?? "",
      ctx.opts.inflightWindow,
      opts.replica ?? "",
      ctx.keys.wakeChannel,
      instanceId,
    ],
  ];
}

export async function claim(
  ctx: RedisContext,
  instanceId: string,
  connId: string,
  max: number,
): Promise<ClaimResult> {
  const k = ctx.keys.instance(instanceId);
  const reply = checkReply(
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
  ) as [number, number, ...string[]];
  const messages: Message[] = [];
  for (let i = 2; i < reply.length; i++) messages.push(parseMessage(reply[i] as string));
  return { messages, remaining: Number(reply[0]), room: Number(reply[1]) };
}

export async function ack(
  ctx: RedisContext,
  instanceId: string,
  messageIds: readonly string[],
): Promise<number> {
  if (messageIds.length === 0) return 0;
  const k = ctx.keys.instance(instanceId);
  return Number(
    await ctx.scripts.run(
      "ack-6",
      [k.queue, k.processing, k.bodies, k.meta, k.receipts, k.receiptsOld],
      [2 * ctx.opts.statusTtlMs, ...messageIds],
    ),
  );
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

import type { Message, MessageStatus } from "@cc2cc/shared";
import { iso, type RedisContext } from "./redis-context.js";

// Rank order of delivery states; the status hash stores the rank.
const STATES = ["queued", "delivered", "acknowledged", "replied"] as const;
// Days of per-type counters kept besides today (for a future history view; cheap to keep).
const DAILY_HISTORY_DAYS = 7;

export async function rateLimit(
  ctx: RedisContext,
  key: string,
  limit: number,
  windowMs: number,
): Promise<{ allowed: boolean; retryAfterMs: number }> {
  const wait = Number(
    await ctx.scripts.run("rate-limit-1", [ctx.keys.rate(key)], [limit, Math.max(1, Math.ceil(windowMs))]),
  );
  return { allowed: wait === 0, retryAfterMs: wait };
}

interface StatusMeta {
  from: string;
  to: string;
  acceptedAt: string;
  recipients: string[];
}

export async function recordSent(
  ctx: RedisContext,
  message: Message,
  recipients: readonly string[],
): Promise<void> {
  const unique = [...new Set(recipients)];
  const meta: StatusMeta = {
    from: message.from,
    to: message.to,
    acceptedAt: message.timestamp,
    recipients: unique,
  };
  await ctx.scripts.run(
    "record-sent-1",
    [ctx.keys.status(message.id)],
    [ctx.opts.statusTtlMs, JSON.stringify(meta), message.hops ?? 0, ...unique],
  );
}

export async function getHops(ctx: RedisContext, messageId: string): Promise<number | null> {
  const [meta, hops] = await ctx.redis.hmget(ctx.keys.status(messageId), "meta", "hops");
  if (meta === null) return null;
  // A record written before hops were stored counts as the start of a chain.
  return Number(hops ?? 0);
}

export async function markStatus(
  ctx: RedisContext,
  messageId: string,
  instanceId: string,
  state: "delivered" | "acknowledged" | "replied",
  replyId?: string,
): Promise<void> {
  await ctx.scripts.run(
    "mark-status-1",
    [ctx.keys.status(messageId)],
    [instanceId, STATES.indexOf(state), replyId ?? ""],
  );
}

export async function getMessageStatus(ctx: RedisContext, messageId: string): Promise<MessageStatus | null> {
  const h = await ctx.redis.hgetall(ctx.keys.status(messageId));
  if (!h.meta) return null;
  const meta = JSON.parse(h.meta) as StatusMeta;
  const recipients: MessageStatus["recipients"] = [];
  for (const instanceId of meta.recipients) {
    const value = h[`r:${instanceId}`];
    if (value === undefined) continue;
    const [rank, at, replyId] = value.split("|");
    recipients.push({
      instanceId,
      state: STATES[Number(rank)] ?? "queued",
      at: iso(at),
      ...(replyId ? { replyId } : {}),
    });
  }
  return { messageId, from: meta.from, to: meta.to, acceptedAt: meta.acceptedAt, recipients };
}

export async function countMessage(ctx: RedisContext, type: string): Promise<void> {
  await ctx.scripts.run("count-message-1", [ctx.keys.daily], [type, DAILY_HISTORY_DAYS]);
}

export async function messagesToday(ctx: RedisContext): Promise<Record<string, number>> {
  const flat = (await ctx.scripts.run("messages-today-1", [ctx.keys.daily], [])) as string[];
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
  return out;
}

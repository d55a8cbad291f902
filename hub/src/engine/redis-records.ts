import { DELIVERY_STATES, type MessageStatus } from "@cc2cc/shared";
import { execAll, iso, type RedisContext } from "./redis-context.js";
import type { SentRecord } from "./redis-status-batch.js";

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

export async function getHops(
  ctx: RedisContext,
  messageId: string,
  recipient: string,
): Promise<number | null> {
  const k = ctx.keys.instance(recipient);
  const hops = await ctx.scripts.run(
    "hops-2",
    [k.receipts, k.receiptsOld],
    [messageId, ctx.opts.statusTtlMs],
  );
  return typeof hops === "number" ? hops : null;
}

export async function markReplied(
  ctx: RedisContext,
  messageId: string,
  recipient: string,
  replyId: string,
): Promise<void> {
  const k = ctx.keys.instance(recipient);
  await ctx.scripts.run(
    "mark-replied-2",
    [k.receipts, k.receiptsOld],
    [messageId, replyId, 2 * ctx.opts.statusTtlMs],
  );
}

type StateReply = [number, string, string] | null;

export async function getMessageStatus(ctx: RedisContext, messageId: string): Promise<MessageStatus | null> {
  const json =
    ctx.status.pendingRecord(messageId) ??
    ((await ctx.scripts.run(
      "status-get-2",
      [ctx.keys.statusIndex, ctx.keys.statusIndexOld],
      [messageId, ctx.opts.statusTtlMs],
    )) as string | null);
  if (!json) return null;
  const record = JSON.parse(json) as SentRecord;
  const stateKeys = (id: string) => {
    const k = ctx.keys.instance(id);
    return [k.bodies, k.meta, k.deadEntries, k.receipts, k.receiptsOld];
  };
  let states: StateReply[];
  if (record.recipients.length === 1) {
    states = [
      (await ctx.scripts.run("message-state-5", stateKeys(record.recipients[0]!), [messageId])) as StateReply,
    ];
  } else {
    const p = ctx.redis.pipeline();
    for (const id of record.recipients) ctx.scripts.queue(p, "message-state-5", stateKeys(id), [messageId]);
    states = (await execAll(p)) as StateReply[];
  }
  return {
    messageId,
    from: record.from,
    to: record.to,
    acceptedAt: record.acceptedAt,
    recipients: record.recipients.map((instanceId, i) => {
      const state = states[i];
      // No trace at all (its queue expired or was removed): it was queued, as far as is known.
      if (!state) return { instanceId, state: "queued" as const, at: record.acceptedAt };
      const [rank, at, replyId] = state;
      return {
        instanceId,
        state: DELIVERY_STATES[Number(rank)] ?? "queued",
        at: iso(at),
        ...(replyId ? { replyId } : {}),
      };
    }),
  };
}

export function countMessage(ctx: RedisContext, type: string): void {
  ctx.status.count(type);
}

export async function messagesToday(ctx: RedisContext): Promise<Record<string, number>> {
  const flat = (await ctx.scripts.run("messages-today-1", [ctx.keys.daily], [])) as string[];
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
  // This replica's counts not written yet, so a reader here sees its own sends.
  for (const [type, n] of ctx.status.counts.unwritten().get("today") ?? []) out[type] = (out[type] ?? 0) + n;
  return out;
}

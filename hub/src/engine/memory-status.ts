import type { DeliveryState, Message, MessageStatus } from "@cc2cc/shared";
import { iso, type MemoryStore, type Receipt } from "./memory-state.js";

function utcDay(ms: number): string {
  return iso(ms).slice(0, 10);
}

/** Expired entries of the status, receipt, rate and counter maps; run by reap so memory stays bounded. */
export function purgeExpired(store: MemoryStore): void {
  const now = store.now();
  for (const [id, entry] of store.statuses) if (now >= entry.expiresAt) store.statuses.delete(id);
  for (const [instanceId, receipts] of store.receipts) {
    for (const [id, r] of receipts) if (now - r.enqueuedAt > store.opts.statusTtlMs) receipts.delete(id);
    if (receipts.size === 0) store.receipts.delete(instanceId);
  }
  for (const [key, entry] of store.rates) if (now >= entry.resetAt) store.rates.delete(key);
  const today = utcDay(now);
  for (const day of store.counters.keys()) if (day !== today) store.counters.delete(day);
}

/** One hit on a fixed-window counter shared by the engine's callers. */
export function hit(
  store: MemoryStore,
  key: string,
  limit: number,
  windowMs: number,
): { allowed: boolean; retryAfterMs: number } {
  const now = store.now();
  let entry = store.rates.get(key);
  if (!entry || now >= entry.resetAt) {
    entry = { count: 0, resetAt: now + windowMs };
    store.rates.set(key, entry);
  }
  entry.count += 1;
  if (entry.count <= limit) return { allowed: true, retryAfterMs: 0 };
  return { allowed: false, retryAfterMs: Math.max(1, entry.resetAt - now) };
}

export function receiptsOf(store: MemoryStore, instanceId: string): Map<string, Receipt> {
  let receipts = store.receipts.get(instanceId);
  if (!receipts) {
    receipts = new Map();
    store.receipts.set(instanceId, receipts);
  }
  return receipts;
}

/** Remember who a queued message went to, for statusTtlMs. */
export function recordSent(store: MemoryStore, message: Message, recipients: readonly string[]): void {
  store.statuses.set(message.id, {
    record: {
      from: message.from,
      to: message.to,
      acceptedAt: message.timestamp,
      recipients: [...recipients],
    },
    expiresAt: store.now() + store.opts.statusTtlMs,
  });
}

/** One recipient's state, from where the message is (see Engine.getMessageStatus). */
function stateOf(
  store: MemoryStore,
  messageId: string,
  instanceId: string,
  acceptedAt: string,
): MessageStatus["recipients"][number] {
  const r = store.receipts.get(instanceId)?.get(messageId);
  const at = (state: DeliveryState, ms: number) => ({ instanceId, state, at: iso(ms) });
  if (r?.repliedAt !== undefined) return { ...at("replied", r.repliedAt), replyId: r.replyId ?? "" };
  if (r?.ackedAt !== undefined) return at("acknowledged", r.ackedAt);
  const rec = store.instances.get(instanceId);
  const meta = rec?.meta.get(messageId);
  if (meta)
    return meta.deliveries > 0
      ? at("delivered", meta.claimedAt ?? meta.enqueuedAt)
      : at("queued", meta.enqueuedAt);
  const dead = rec?.dead.find((d) => d.message.id === messageId);
  if (dead) return at(dead.deliveries > 0 ? "delivered" : "queued", dead.deadAt);
  if (r) return at("queued", r.enqueuedAt);
  return { instanceId, state: "queued", at: acceptedAt };
}

export function createStatusOps(store: MemoryStore) {
  function liveReceipt(messageId: string, recipient: string): Receipt | null {
    const r = store.receipts.get(recipient)?.get(messageId);
    if (!r || store.now() - r.enqueuedAt > store.opts.statusTtlMs) return null;
    return r;
  }

  return {
    async rateLimit(
      key: string,
      limit: number,
      windowMs: number,
    ): Promise<{ allowed: boolean; retryAfterMs: number }> {
      return hit(store, key, limit, windowMs);
    },

    async getHops(messageId: string, recipient: string): Promise<number | null> {
      return liveReceipt(messageId, recipient)?.hops ?? null;
    },

    async markReplied(messageId: string, recipient: string, replyId: string): Promise<void> {
      const r = liveReceipt(messageId, recipient);
      // Only the first reply is remembered; later replies do not rewrite it.
      if (!r || r.repliedAt !== undefined) return;
      r.repliedAt = store.now();
      r.replyId = replyId;
    },

    async getMessageStatus(messageId: string): Promise<MessageStatus | null> {
      const entry = store.statuses.get(messageId);
      if (!entry) return null;
      if (store.now() >= entry.expiresAt) {
        store.statuses.delete(messageId);
        return null;
      }
      const { from, to, acceptedAt, recipients } = entry.record;
      return {
        messageId,
        from,
        to,
        acceptedAt,
        recipients: recipients.map((id) => stateOf(store, messageId, id, acceptedAt)),
      };
    },

    countMessage(type: string): void {
      const day = utcDay(store.now());
      let counts = store.counters.get(day);
      if (!counts) {
        counts = new Map();
        store.counters.set(day, counts);
      }
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },

    async messagesToday(): Promise<Record<string, number>> {
      return Object.fromEntries(store.counters.get(utcDay(store.now())) ?? []);
    },
  };
}

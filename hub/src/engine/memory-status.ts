import type { DeliveryState, Message, MessageStatus } from "@cc2cc/shared";
import { DELIVERY_STATES } from "@cc2cc/shared";
import { copy, iso, type MemoryStore } from "./memory-state.js";

function utcDay(ms: number): string {
  return iso(ms).slice(0, 10);
}

function rank(state: DeliveryState): number {
  return DELIVERY_STATES.indexOf(state);
}

/** Expired entries of the status, rate and counter maps; run by reap so memory stays bounded. */
export function purgeExpired(store: MemoryStore): void {
  const now = store.now();
  for (const [id, entry] of store.statuses) if (now >= entry.expiresAt) store.statuses.delete(id);
  for (const [key, entry] of store.rates) if (now >= entry.resetAt) store.rates.delete(key);
  const today = utcDay(now);
  for (const day of store.counters.keys()) if (day !== today) store.counters.delete(day);
}

export function createStatusOps(store: MemoryStore) {
  function liveEntry(messageId: string) {
    const entry = store.statuses.get(messageId);
    if (!entry) return null;
    if (store.now() >= entry.expiresAt) {
      store.statuses.delete(messageId);
      return null;
    }
    return entry;
  }

  function liveStatus(messageId: string): MessageStatus | null {
    return liveEntry(messageId)?.status ?? null;
  }

  return {
    async rateLimit(
      key: string,
      limit: number,
      windowMs: number,
    ): Promise<{ allowed: boolean; retryAfterMs: number }> {
      const now = store.now();
      let entry = store.rates.get(key);
      if (!entry || now >= entry.resetAt) {
        entry = { count: 0, resetAt: now + windowMs };
        store.rates.set(key, entry);
      }
      entry.count += 1;
      if (entry.count <= limit) return { allowed: true, retryAfterMs: 0 };
      return { allowed: false, retryAfterMs: Math.max(1, entry.resetAt - now) };
    },

    async recordSent(message: Message, recipients: readonly string[]): Promise<void> {
      const now = store.now();
      const at = iso(now);
      const status: MessageStatus = {
        messageId: message.id,
        from: message.from,
        to: message.to,
        acceptedAt: message.timestamp,
        recipients: recipients.map((instanceId) => ({ instanceId, state: "queued", at })),
      };
      store.statuses.set(message.id, {
        status,
        hops: message.hops ?? 0,
        expiresAt: now + store.opts.statusTtlMs,
      });
    },

    async markStatus(
      messageId: string,
      instanceId: string,
      state: "delivered" | "acknowledged" | "replied",
      replyId?: string,
    ): Promise<void> {
      const recipient = liveStatus(messageId)?.recipients.find((r) => r.instanceId === instanceId);
      if (!recipient) return;
      if (rank(state) > rank(recipient.state)) {
        recipient.state = state;
        recipient.at = iso(store.now());
      }
      // Only the first reply is remembered; later replies do not rewrite it.
      if (state === "replied" && replyId !== undefined && recipient.replyId === undefined) {
        recipient.replyId = replyId;
      }
    },

    async getHops(messageId: string): Promise<number | null> {
      return liveEntry(messageId)?.hops ?? null;
    },

    async getMessageStatus(messageId: string): Promise<MessageStatus | null> {
      const status = liveStatus(messageId);
      return status ? copy(status) : null;
    },

    async countMessage(type: string): Promise<void> {
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

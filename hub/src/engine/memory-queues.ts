import { Cc2ccError, type Message, type QueueStats } from "@cc2cc/shared";
import type { ClaimResult, DeadLetter, DeadLetterReason, EnqueueOptions, EnqueueResult } from "./engine.js";
import { bury, copy, type InstanceRecord, iso, type MemoryStore, requeueRecord } from "./memory-state.js";
import { hit, receiptsOf, recordSent } from "./memory-status.js";

/**
 * Hand out up to `n` pending messages, counting a delivery of each; the ones past
 * messageTtlMs or maxDeliveries are dead-lettered on the way (see Engine.claim).
 */
function take(store: MemoryStore, rec: InstanceRecord, n: number): Message[] {
  const now = store.now();
  const { maxDeliveries, messageTtlMs } = store.opts;
  const out: Message[] = [];
  const died: DeadLetter[] = [];
  let i = 0;
  for (; i < rec.pending.length && out.length < n; i++) {
    const m = rec.pending[i]!;
    const meta = rec.meta.get(m.id) ?? { enqueuedAt: now, deliveries: 0 };
    let reason: DeadLetterReason | null = null;
    if (now - meta.enqueuedAt > messageTtlMs) reason = "expired";
    else if (meta.deliveries >= maxDeliveries) reason = "max_deliveries";
    if (reason) {
      rec.meta.delete(m.id);
      died.push({ message: m, reason, deliveries: meta.deliveries, deadAt: now });
    } else {
      rec.meta.set(m.id, { enqueuedAt: meta.enqueuedAt, deliveries: meta.deliveries + 1, claimedAt: now });
      rec.processing.push(m);
      out.push(copy(m));
    }
  }
  rec.pending.splice(0, i);
  if (died.length > 0) bury(rec, died);
  return out;
}

/** As Redis pub/sub delivers it: later, to whoever listens for that replica then. */
function wake(store: MemoryStore, replica: string, instanceId: string): void {
  queueMicrotask(() => {
    for (const listener of store.wakes.get(replica) ?? []) listener(instanceId);
  });
}

export function createQueueOps(store: MemoryStore) {
  return {
    onWake(replica: string, listener: (instanceId: string) => void): () => void {
      let set = store.wakes.get(replica);
      if (!set) {
        set = new Set();
        store.wakes.set(replica, set);
      }
      set.add(listener);
      const mine = set;
      return () => {
        mine.delete(listener);
      };
    },

    async enqueue(
      recipients: readonly string[],
      message: Message,
      opts: EnqueueOptions = {},
    ): Promise<EnqueueResult> {
      const result: EnqueueResult = { queued: [], refused: [] };
      for (const instanceId of new Set(recipients)) {
        const rec = store.instances.get(instanceId);
        if (!rec) {
          result.refused.push({ instanceId, code: "UNKNOWN_RECIPIENT" });
          continue;
        }
        // A retry of a message still held here: answered, neither stored nor counted again.
        if (rec.meta.has(message.id)) {
          result.queued.push(instanceId);
          continue;
        }
        const limit = opts.pairLimit;
        const verdict = limit
          ? hit(store, `pair:${message.from}>${instanceId}`, limit.perWindow, limit.windowMs)
          : { allowed: true, retryAfterMs: 0 };
        if (!verdict.allowed) {
          result.refused.push({ instanceId, code: "RATE_LIMITED", retryAfterMs: verdict.retryAfterMs });
        } else if (rec.pending.length + rec.processing.length >= store.opts.queueMax) {
          result.refused.push({ instanceId, code: "QUEUE_FULL" });
        } else {
          const now = store.now();
          const offer = opts.handover?.get(instanceId);
          if (
            offer !== undefined &&
            offer === rec.holder &&
            rec.pending.length === 0 &&
            rec.processing.length < store.opts.inflightWindow
          ) {
            rec.processing.push(copy(message));
            rec.meta.set(message.id, { enqueuedAt: now, deliveries: 1, claimedAt: now });
            result.handedOver ??= [];
            result.handedOver.push(instanceId);
          } else {
            const wasEmpty = rec.pending.length === 0;
            rec.pending.push(copy(message));
            rec.meta.set(message.id, { enqueuedAt: now, deliveries: 0 });
            if (opts.replica !== undefined && rec.replica !== opts.replica) {
              result.notified ??= [];
              result.notified.push(instanceId);
              if (rec.holder !== null && wasEmpty && rec.replica !== null)
                wake(store, rec.replica, instanceId);
            }
          }
          rec.lastWrite = now;
          receiptsOf(store, instanceId).set(message.id, { enqueuedAt: now, hops: message.hops ?? 0 });
          result.queued.push(instanceId);
        }
      }
      if (result.queued.length > 0) recordSent(store, message, result.queued);
      return result;
    },

    async claim(instanceId: string, connId: string, max: number): Promise<ClaimResult> {
      const rec = store.instances.get(instanceId);
      if (!rec || rec.holder !== connId) {
        throw new Cc2ccError("NOT_HOLDER", `${instanceId} is not held by this connection`);
      }
      const room = Math.max(0, store.opts.inflightWindow - rec.processing.length);
      const messages = take(store, rec, Math.max(0, Math.min(max, room)));
      return {
        messages,
        remaining: rec.pending.length,
        room: Math.max(0, store.opts.inflightWindow - rec.processing.length),
      };
    },

    async ack(instanceId: string, messageIds: readonly string[]): Promise<number> {
      const rec = store.instances.get(instanceId);
      if (!rec || messageIds.length === 0) return 0;
      const acked = new Set(messageIds);
      const gone = (m: Message) => acked.has(m.id);
      const removed = [...rec.processing.filter(gone), ...rec.pending.filter(gone)];
      // After a requeue race the acked message sits in pending; dropping it there means it is
      // never handed out again.
      rec.processing = rec.processing.filter((m) => !gone(m));
      rec.pending = rec.pending.filter((m) => !gone(m));
      const now = store.now();
      const receipts = store.receipts.get(instanceId);
      for (const m of removed) {
        rec.meta.delete(m.id);
        const receipt = receipts?.get(m.id);
        if (receipt && receipt.ackedAt === undefined) receipt.ackedAt = now;
      }
      return removed.length;
    },

    async requeue(instanceId: string): Promise<number> {
      const rec = store.instances.get(instanceId);
      return rec ? requeueRecord(rec) : 0;
    },

    async queueStats(instanceId: string): Promise<QueueStats> {
      const rec = store.instances.get(instanceId);
      if (!rec) return { instanceId, pending: 0, processing: 0, oldestAt: null };
      let oldest = Number.POSITIVE_INFINITY;
      for (const m of [...rec.processing, ...rec.pending]) {
        const t = Date.parse(m.timestamp);
        if (t < oldest) oldest = t;
      }
      return {
        instanceId,
        pending: rec.pending.length,
        processing: rec.processing.length,
        oldestAt: Number.isFinite(oldest) ? iso(oldest) : null,
      };
    },

    async peek(instanceId: string, limit: number): Promise<{ pending: Message[]; processing: Message[] }> {
      const rec = store.instances.get(instanceId);
      if (!rec) return { pending: [], processing: [] };
      return {
        pending: rec.pending.slice(0, Math.max(0, limit)).map(copy),
        processing: rec.processing.map(copy),
      };
    },

    async flush(instanceId: string): Promise<number> {
      const rec = store.instances.get(instanceId);
      if (!rec) return 0;
      const n = rec.pending.length + rec.processing.length;
      rec.pending = [];
      rec.processing = [];
      rec.meta.clear();
      rec.dead = [];
      return n;
    },
  };
}

import type { ReapResult } from "./engine.js";
import { type MemoryStore, requeueRecord } from "./memory-state.js";
import { purgeExpired } from "./memory-status.js";
import { dropSubscriptions } from "./memory-topics.js";

/** One housekeeping pass; see Engine.reap. Synchronous, so concurrent calls cannot interleave. */
export function reapStore(store: MemoryStore): ReapResult {
  const now = store.now();
  const { queueTtlMs, topicEmptyTtlMs } = store.opts;
  const result: ReapResult = { wentOffline: [], requeued: 0, removed: [], topicsExpired: [] };

  for (const rec of store.instances.values()) {
    if (rec.holder !== null && now >= rec.presenceUntil) {
      // The holder stopped heartbeating (its replica died): free the instance for anyone.
      rec.holder = null;
      result.requeued += requeueRecord(rec);
      result.wentOffline.push(rec.id);
    }
  }

  for (const rec of [...store.instances.values()]) {
    if (rec.holder === null && now - Math.max(rec.lastSeen, rec.lastWrite) > queueTtlMs) {
      dropSubscriptions(store, rec);
      store.instances.delete(rec.id);
      result.removed.push(rec.id);
    }
  }

  for (const topic of [...store.topics.values()]) {
    if (!topic.keep && topic.emptySince !== null && now - topic.emptySince >= topicEmptyTtlMs) {
      store.topics.delete(topic.name);
      result.topicsExpired.push(topic.name);
    }
  }

  purgeExpired(store);
  result.wentOffline.sort();
  result.removed.sort();
  result.topicsExpired.sort();
  return result;
}

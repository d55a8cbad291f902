import type { DeadLetter } from "./engine.js";
import { copy, type MemoryStore } from "./memory-state.js";

export function createDeadLetterOps(store: MemoryStore) {
  /** Removes the dead letter and returns it, or null when there is none with that id. */
  function unbury(instanceId: string, messageId: string): DeadLetter | null {
    const rec = store.instances.get(instanceId);
    const i = rec ? rec.dead.findIndex((d) => d.message.id === messageId) : -1;
    return rec && i >= 0 ? (rec.dead.splice(i, 1)[0] ?? null) : null;
  }

  return {
    async deadLetters(instanceId: string, limit: number): Promise<DeadLetter[]> {
      const dead = store.instances.get(instanceId)?.dead ?? [];
      return dead.slice(0, Math.max(0, Math.floor(limit))).map(copy);
    },

    async deadLetterCount(instanceId: string): Promise<number> {
      return store.instances.get(instanceId)?.dead.length ?? 0;
    },

    async replayDeadLetter(instanceId: string, messageId: string): Promise<boolean> {
      const letter = unbury(instanceId, messageId);
      const rec = store.instances.get(instanceId);
      if (!letter || !rec) return false;
      const now = store.now();
      // A retried enqueue may have queued the same id again meanwhile: never hold it twice.
      const queued = [...rec.pending, ...rec.processing].some((m) => m.id === messageId);
      if (!queued) {
        rec.pending.push(letter.message);
        rec.meta.set(messageId, { enqueuedAt: now, deliveries: 0 });
      }
      rec.lastWrite = now;
      return true;
    },

    async discardDeadLetter(instanceId: string, messageId: string): Promise<boolean> {
      return unbury(instanceId, messageId) !== null;
    },
  };
}

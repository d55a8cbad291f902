import { DEFAULT_ENGINE_OPTIONS, type Engine, type EngineOptions, type ReapResult } from "./engine.js";
import { createDeadLetterOps } from "./memory-dead-letters.js";
import { createIdentityOps } from "./memory-identity.js";
import { createQueueOps } from "./memory-queues.js";
import { reapStore } from "./memory-reap.js";
import { createStore } from "./memory-state.js";
import { createStatusOps } from "./memory-status.js";
import { createTopicOps } from "./memory-topics.js";

/**
 * The in-process engine: one replica, nothing kept across a restart. It owns no timers; every
 * expiry is either checked when read or applied by `reap`, which the hub runs on its interval.
 * `clock` lets tests move time without waiting.
 */
export function createMemoryEngine(opts: Partial<EngineOptions> & { clock?: () => number } = {}): Engine {
  const { clock, ...rest } = opts;
  const store = createStore({ ...DEFAULT_ENGINE_OPTIONS, ...rest }, clock ?? Date.now);
  return {
    kind: "memory",
    async ping(): Promise<boolean> {
      return !store.closed;
    },
    async close(): Promise<void> {
      store.closed = true;
    },
    ...createIdentityOps(store),
    ...createQueueOps(store),
    ...createDeadLetterOps(store),
    ...createTopicOps(store),
    ...createStatusOps(store),
    async reap(): Promise<ReapResult> {
      return reapStore(store);
    },
  };
}

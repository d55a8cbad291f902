import type { HubEvent } from "@cc2cc/shared";
import type { HubConfig } from "../config.js";
import type { Fanout } from "../core/fanout.js";
import type { OpenedEngine } from "../engine/open-engine.js";
import type { HistoryStore } from "./history-store.js";
import { createMemoryHistory } from "./memory-history.js";
import { createRedisHistory } from "./redis-history.js";

/** The history store matching the engine: a Redis stream beside Redis, memory otherwise. */
export function openHistory(opened: OpenedEngine, config: HubConfig): HistoryStore {
  const opts = { maxLen: config.historyMaxLen, maxAgeMs: config.historyMaxAgeMs };
  return opened.redis
    ? createRedisHistory(opened.redis, { ...opts, prefix: config.redisPrefix })
    : createMemoryHistory(opts);
}

/** A fanout whose dashboard events also go to `sink` (the history recorder). */
export function teeEvents(fanout: Fanout, sink: (e: HubEvent) => void): Fanout {
  return {
    wake: (ids) => fanout.wake(ids),
    live: (target, frame, except) => fanout.live(target, frame, except),
    event: (e) => {
      fanout.event(e);
      sink(e);
    },
    ping: (id, frame, timeoutMs) => fanout.ping(id, frame, timeoutMs),
    dropTopic: (topic) => fanout.dropTopic(topic),
  };
}

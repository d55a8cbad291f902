import { Redis, type RedisOptions } from "ioredis";
import type { HubConfig, RedisTarget } from "../config.js";
import type { Logger } from "../logger.js";
import type { Engine, EngineOptions } from "./engine.js";
import { createMemoryEngine } from "./memory-engine.js";
import { createRedisEngine } from "./redis-engine.js";

export interface OpenedEngine {
  engine: Engine;
  /** Pub/sub pair for the socket.io Redis adapter; absent on the in-process engine. */
  adapterClients?: { pub: Redis; sub: Redis };
  /** The engine's command connection (fails fast while Redis is away), for the history store. */
  redis?: Redis;
  close(): Promise<void>;
}

export function engineOptions(config: HubConfig): EngineOptions {
  return {
    queueMax: config.queueMax,
    queueTtlMs: config.queueTtlMs,
    presenceTtlMs: config.presenceTtlMs,
    inflightWindow: config.inflightWindow,
    topicEmptyTtlMs: config.topicEmptyTtlMs,
    statusTtlMs: config.statusTtlMs,
    maxDeliveries: config.maxDeliveries,
    messageTtlMs: config.messageTtlMs,
  };
}

/** Redis must not evict queued messages and should persist them; say so loudly when it won't. */
async function checkRedisSettings(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, policy] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
    if (policy !== "noeviction") {
      logger.warn({ policy }, "Redis maxmemory-policy is not noeviction: queued messages may be evicted");
    }
    const [, aof] = (await redis.config("GET", "appendonly")) as [string, string];
    if (aof !== "yes") logger.warn("Redis appendonly is off: a Redis restart loses queued messages");
  } catch (err) {
    logger.warn(
      { err: String(err) },
      "could not read Redis settings (CONFIG disabled?); check noeviction and AOF",
    );
  }
}

function waitReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** One factory for every connection the hub opens, so URL and Sentinel setups behave alike. */
function redisConnector(target: RedisTarget): (extra: RedisOptions) => Redis {
  const retryStrategy = (attempt: number) => Math.min(100 * attempt, 2000);
  return (extra) => {
    if (target.kind === "url") {
      return new Redis(target.url, {
        retryStrategy,
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.tls && !target.url.startsWith("rediss://") ? { tls: {} } : {}),
        ...extra,
      });
    }
    return new Redis({
      sentinels: target.sentinels,
      name: target.master,
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
      ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
      ...extra,
    });
  };
}

export async function openEngine(config: HubConfig, logger: Logger): Promise<OpenedEngine> {
  const options = engineOptions(config);
  if (config.redis === undefined) {
    logger.warn("no CC2CC_REDIS_URL: in-process engine, one replica only, nothing survives a restart");
    const engine = createMemoryEngine(options);
    return { engine, close: () => engine.close() };
  }
  const connect = redisConnector(config.redis);
  // Commands fail fast while Redis is away (no offline queue), so a send during an outage is
  // refused with ENGINE_UNAVAILABLE instead of being accepted and maybe lost.
  // A command timeout turns a partition from Redis into ENGINE_UNAVAILABLE instead of a hang.
  const redis = connect({ maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 5000 });
  redis.on("error", (err) => logger.debug({ err: err.message }, "redis connection error"));
  // The adapter's clients keep their offline queue: pub/sub must resubscribe after an outage.
  const pub = connect({ maxRetriesPerRequest: null });
  const sub = connect({ maxRetriesPerRequest: null });
  for (const c of [pub, sub])
    c.on("error", (err) => logger.debug({ err: err.message }, "redis adapter connection error"));
  if (await waitReady(redis, 10_000)) await checkRedisSettings(redis, logger);
  else logger.warn("Redis not reachable yet; /ready stays 503 until it is");
  const engine = createRedisEngine(redis, { ...options, prefix: config.redisPrefix });
  return {
    engine,
    adapterClients: { pub, sub },
    redis,
    async close() {
      await engine.close();
      for (const c of [redis, pub, sub]) c.disconnect();
    },
  };
}

import type { Redis } from "ioredis";
import { DEFAULT_ENGINE_OPTIONS, type Engine, type EngineOptions } from "./engine.js";
import type { RedisContext } from "./redis-context.js";
import * as dead from "./redis-dead-letters.js";
import { guard, mapFailure } from "./redis-errors.js";
import * as instances from "./redis-instances.js";
import { DEFAULT_PREFIX, redisKeys } from "./redis-keys.js";
import * as queues from "./redis-queues.js";
import { reap } from "./redis-reaper.js";
import * as records from "./redis-records.js";
import { register } from "./redis-register.js";
import { Scripts } from "./redis-scripts.js";
import { StatusBatch } from "./redis-status-batch.js";
import * as topics from "./redis-topics.js";
import { RedisWakes } from "./redis-wakes.js";

export interface RedisEngineOptions extends Partial<EngineOptions> {
  /** Prefix of every key (default `cc2cc:`); the engine builds it into key names itself. */
  prefix?: string;
}

// /ready must answer quickly even when the offline queue would hold a PING until reconnect.
const PING_TIMEOUT_MS = 2_000;

/**
 * The Engine on one shared Redis, for any number of hub replicas. The caller owns `redis`
 * (created with `maxRetriesPerRequest` low and the offline queue off so that an outage fails
 * fast as ENGINE_UNAVAILABLE); `close()` leaves it open. Requires Redis 6.2+ (LMOVE, ZADD GT).
 */
export function createRedisEngine(redis: Redis, options: RedisEngineOptions = {}): Engine {
  const { prefix = DEFAULT_PREFIX, ...engineOpts } = options;
  const opts: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...stripUndefined(engineOpts) };
  const keys = redisKeys(prefix);
  const scripts = new Scripts(redis);
  const ctx: RedisContext = { redis, keys, opts, scripts, status: new StatusBatch(scripts, keys, opts) };
  const wakes = new RedisWakes(redis, keys.wakeChannel);

  return {
    kind: "redis",
    ping: () => ping(redis),
    // Writes the batched status records and counts; the connection itself stays open.
    close: async () => {
      wakes.close();
      await ctx.status.close();
    },

    register: (input) => guard(() => register(ctx, input)),
    heartbeat: (held) => guard(() => instances.heartbeat(ctx, held)),
    disconnect: (id, connId) => guard(() => instances.disconnect(ctx, id, connId)),
    getInstance: (id) => guard(() => instances.getInstance(ctx, id)),
    listInstances: () => guard(() => instances.listInstances(ctx)),
    setRole: (id, role) => guard(() => instances.setRole(ctx, id, role)),
    removeInstance: (id) => guard(() => instances.removeInstance(ctx, id)),

    enqueue: (recipients, message, o) => mapFailure(queues.enqueue(ctx, recipients, message, o)),
    claim: (id, connId, max) => mapFailure(queues.claim(ctx, id, connId, max)),
    onWake: (replica, listener) => wakes.on(replica, listener),
    ack: (id, messageIds) => mapFailure(queues.ack(ctx, id, messageIds)),
    requeue: (id) => guard(() => queues.requeue(ctx, id)),
    queueStats: (id) => guard(() => queues.queueStats(ctx, id)),
    peek: (id, limit) => guard(() => queues.peek(ctx, id, limit)),
    flush: (id) => guard(() => queues.flush(ctx, id)),

    deadLetters: (id, limit) => guard(() => dead.deadLetters(ctx, id, limit)),
    deadLetterCount: (id) => guard(() => dead.deadLetterCount(ctx, id)),
    replayDeadLetter: (id, messageId) => guard(() => dead.replayDeadLetter(ctx, id, messageId)),
    discardDeadLetter: (id, messageId) => guard(() => dead.discardDeadLetter(ctx, id, messageId)),

    subscribe: (id, topic) => guard(() => topics.subscribe(ctx, id, topic)),
    unsubscribe: (id, topic) => guard(() => topics.unsubscribe(ctx, id, topic)),
    createTopic: (name, o) => guard(() => topics.createTopic(ctx, name, o)),
    deleteTopic: (name) => guard(() => topics.deleteTopic(ctx, name)),
    listTopics: () => guard(() => topics.listTopics(ctx)),
    topicSubscribers: (name) => guard(() => topics.topicSubscribers(ctx, name)),
    instanceTopics: (id) => guard(() => instances.instanceTopics(ctx, id)),

    rateLimit: (key, limit, windowMs) => guard(() => records.rateLimit(ctx, key, limit, windowMs)),
    getHops: (messageId, recipient) => guard(() => records.getHops(ctx, messageId, recipient)),
    markReplied: (messageId, recipient, replyId) =>
      guard(() => records.markReplied(ctx, messageId, recipient, replyId)),
    getMessageStatus: (messageId) => guard(() => records.getMessageStatus(ctx, messageId)),
    countMessage: (type) => records.countMessage(ctx, type),
    messagesToday: () => guard(() => records.messagesToday(ctx)),

    reap: () => guard(() => reap(ctx)),
  };
}

async function ping(redis: Redis): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([redis.ping().then((r) => r === "PONG"), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

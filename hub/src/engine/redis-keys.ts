import { addressOf } from "@cc2cc/shared";

/**
 * Key layout of the Redis engine. Key names carry the prefix themselves (no ioredis
 * `keyPrefix`), so the KEYS handed to scripts are the real names.
 *
 * Per instance `user@host:project/session`, all under one hash tag:
 *   <prefix>{user@host:project}:<session>:info        hash: secretHash role registeredAt lastSeen
 *                                                      lastWrite replica connId (the holder)
 *   <prefix>{user@host:project}:<session>:presence    string connId, PX presenceTtlMs
 *   <prefix>{user@host:project}:<session>:queue       list of message ids, LPUSH in, oldest at the right
 *   <prefix>{user@host:project}:<session>:processing  list of message ids handed out, oldest at the right
 *   <prefix>{user@host:project}:<session>:bodies      hash message id -> message JSON
 *   <prefix>{user@host:project}:<session>:meta        hash message id -> "<enqueuedAtMs>:<deliveries>"
 *   <prefix>{user@host:project}:<session>:dead        list of dead-lettered message ids, oldest at the left
 *   <prefix>{user@host:project}:<session>:dead-entries hash message id ->
 *                                                      "<reason>|<deliveries>|<deadAtMs>|<message JSON>"
 *   <prefix>{user@host:project}:<session>:topics      set of topic names
 *   <prefix>{user@host:project}:<session>:rate:<from> per-pair counter (sender <from> to this
 *                                                      instance), PX one window
 *   <prefix>{user@host:project}:<session>:receipts    hash message id -> "<enqueuedAtMs>|<hops>|
 *                                                      <ackedAtMs>|<repliedAtMs>|<replyId>"
 *   <prefix>{user@host:project}:<session>:receipts-old the previous generation (rotated by the
 *                                                      enqueue every statusTtlMs; info holds
 *                                                      receiptsSince)
 * Every key that holds messages (queue, processing, bodies, meta, dead, dead-entries) gets the
 * same expiry, queueTtlMs after the last write or sighting; receipts live 2 × statusTtlMs.
 *
 * The hash tag is the address without the session rather than the whole instance id (as
 * DESIGN.md first said): `/clear` starts a new session under the same user@host:project, and
 * with the session outside the tag the old and new ids hash to one slot, so the migration is a
 * single script that stays valid on Redis Cluster.
 *
 * Global keys share the tag `{global}` so that topic steps (registry + subscriber set +
 * empty-since clock) and the follow-up index updates are single-slot too:
 *   <prefix>{global}:instances     zset instance id -> last seen or written (ms), for listing and reaping
 *   <prefix>{global}:held          zset instance id -> last heartbeat (ms), instances with a holder
 *   <prefix>{global}:topics        hash topic -> "<createdAtMs>:<keep 0|1>"
 *   <prefix>{global}:subs:<topic>  set of subscriber instance ids
 *   <prefix>{global}:topics-empty  zset topic -> ms since it has had no subscribers
 *   <prefix>{global}:reaper        short lock so one replica reaps at a time
 * Sent-message records for message_status, written per replica in batches, under one tag:
 *   <prefix>{status}:index         hash message id -> "<writtenAtMs>|{from,to,acceptedAt,recipients}"
 *   <prefix>{status}:index-old     the previous generation (rotated every statusTtlMs)
 *   <prefix>{status}:index-since   ms the current generation was started
 * Single-key records spread over the cluster:
 *   <prefix>rate:<key>             fixed-window counter (broadcast)
 *   <prefix>stats:daily            hash "<utc day number>:<type>" -> count
 * Pub/sub channel (not a key): <prefix>wake:<replica>, instance ids whose holder is on that
 * replica and whose empty queue got a message (published by enqueue-10).
 */
export interface InstanceKeys {
  info: string;
  presence: string;
  queue: string;
  processing: string;
  bodies: string;
  topics: string;
  meta: string;
  dead: string;
  deadEntries: string;
  receipts: string;
  receiptsOld: string;
  /** Every key name of the instance starts with this (pair counters append `rate:<from>`). */
  base: string;
}

export interface RedisKeys {
  instance(instanceId: string): InstanceKeys;
  index: string;
  held: string;
  topicRegistry: string;
  topicEmpty: string;
  subscribers(topic: string): string;
  reaperLock: string;
  rate(key: string): string;
  statusIndex: string;
  statusIndexOld: string;
  statusIndexSince: string;
  daily: string;
  /** Prefix of the per-replica wake-up channels (the replica's name is appended). */
  wakeChannel: string;
}

export const DEFAULT_PREFIX = "cc2cc:";
const KEY_CACHE_MAX = 4096;

/** The per-pair counter of messages from `from` to the instance of `k`, under its hash tag. */
export function pairRateKey(k: InstanceKeys, from: string): string {
  return `${k.base}rate:${from}`;
}

export function redisKeys(prefix: string = DEFAULT_PREFIX): RedisKeys {
  if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix must not contain braces: ${prefix}`);
  const g = `${prefix}{global}:`;
  const cache = new Map<string, InstanceKeys>();
  return {
    instance(instanceId) {
      const known = cache.get(instanceId);
      if (known) return known;
      const base = `${prefix}{${addressOf(instanceId)}}:${sessionOf(instanceId)}:`;
      const keys: InstanceKeys = {
        base,
        info: `${base}info`,
        presence: `${base}presence`,
        queue: `${base}queue`,
        processing: `${base}processing`,
        bodies: `${base}bodies`,
        topics: `${base}topics`,
        meta: `${base}meta`,
        dead: `${base}dead`,
        deadEntries: `${base}dead-entries`,
        receipts: `${base}receipts`,
        receiptsOld: `${base}receipts-old`,
      };
      // Every message builds the same names three times (enqueue, claim, ack): keep them, bounded.
      if (cache.size >= KEY_CACHE_MAX) cache.clear();
      cache.set(instanceId, keys);
      return keys;
    },
    index: `${g}instances`,
    held: `${g}held`,
    topicRegistry: `${g}topics`,
    topicEmpty: `${g}topics-empty`,
    subscribers: (topic) => `${g}subs:${topic}`,
    reaperLock: `${g}reaper`,
    rate: (key) => `${prefix}rate:${key}`,
    statusIndex: `${prefix}{status}:index`,
    statusIndexOld: `${prefix}{status}:index-old`,
    statusIndexSince: `${prefix}{status}:index-since`,
    daily: `${prefix}stats:daily`,
    wakeChannel: `${prefix}wake:`,
  };
}

function sessionOf(instanceId: string): string {
  const slash = instanceId.lastIndexOf("/");
  return slash === -1 ? "" : instanceId.slice(slash + 1);
}

/** The nine keys of an instance in the order every whole-instance script declares them. */
export function instanceKeyList(k: InstanceKeys): string[] {
  return [k.info, k.presence, k.queue, k.processing, k.bodies, k.topics, k.meta, k.dead, k.deadEntries];
}

/** The six keys that hold messages, in the order scripts that touch messages declare them. */
export function messageKeyList(k: InstanceKeys): string[] {
  return [k.queue, k.processing, k.bodies, k.meta, k.dead, k.deadEntries];
}

/** Whether two instances hash to one slot, so one script may touch both. */
export function sameTag(a: string, b: string): boolean {
  return addressOf(a) === addressOf(b);
}

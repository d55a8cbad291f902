import type { InstanceInfo, Message, MessageStatus, QueueStats, TopicInfo } from "@cc2cc/shared";

/**
 * The delivery engine: everything the hub stores. Two implementations sit beside this file,
 * `memory-engine.ts` (one replica, nothing survives a restart) and `redis-engine.ts` (any
 * number of replicas on one Redis); `test/engine/contract.ts` holds the one suite both pass.
 *
 * Guarantees every implementation gives:
 * - Queues are FIFO per recipient: `claim` returns the oldest pending messages first, and a
 *   requeue puts unacknowledged messages back in front of everything still pending, in order.
 * - At-least-once: `enqueue` resolves only after the message is stored. A message leaves the
 *   store only through `ack` (by message id), `flush`, `removeInstance`, or expiry of an
 *   offline queue (`queueTtlMs` after the last write). Handing it to a socket (`claim`) moves
 *   it to the processing list; it is never deleted by a socket write.
 * - One consumer at a time: `register` makes its `connId` the holder of the instance (the
 *   fencing token). `claim` with any other `connId` fails with NOT_HOLDER and moves nothing,
 *   so a replica with a stale socket cannot keep draining a queue another replica now serves.
 * - `register` and `disconnect` by the holder move the processing list back to the front of
 *   the queue, so a message handed to a connection that died is delivered again.
 * - `disconnect` by a connection that is not the holder changes nothing: a stale socket
 *   closing never marks a newer live connection offline.
 * - The in-flight window is small: `claim` never lets the processing list exceed
 *   `inflightWindow`, because acks scan it.
 * - Each multi-key step on one instance is atomic (a Lua script on Redis); keys of one
 *   instance share a hash tag, so scripts stay valid on Redis Cluster.
 * - Store failures reject with Cc2ccError ENGINE_UNAVAILABLE; nothing is half-accepted.
 * - Poison messages stop circulating: every message handed out by `claim` counts one delivery
 *   (kept per instance; `ack`, `flush` and removal forget it, migration carries it along). A
 *   message that would exceed `maxDeliveries`, or that was enqueued more than `messageTtlMs`
 *   ago by the engine's clock (never the message's own `timestamp`), is moved to the
 *   instance's dead-letter list by that same atomic claim instead of being handed out.
 * - Dead letters are bounded (the oldest beyond DEAD_LETTER_CAP are dropped), count toward
 *   nothing in `queueMax`, leave only through replay, discard, `flush`, removal of the
 *   instance or expiry together with its queue, and move with it on migration.
 *
 * All timestamps are epoch milliseconds from the engine's own clock (Redis TIME on Redis), so
 * no correctness depends on replica clocks agreeing.
 */
export interface Engine {
  readonly kind: "memory" | "redis";

  /** True when the store answers within about two seconds (readiness). Never throws. */
  ping(): Promise<boolean>;
  /** Release timers and connections the engine owns (not ones passed in). */
  close(): Promise<void>;

  // ---- identity and presence ----

  /**
   * Bind `instanceId` to this connection. Creates the instance on first use. Throws
   * ID_IN_USE when the instance is online with a different `secretHash`; when it is offline
   * the new secret replaces the old one (a restarted process with a pre-assigned session id).
   * Sets `role` when given (otherwise keeps the stored one), marks the instance online for
   * `presenceTtlMs`, records `replica`, and requeues its processing list.
   * With `migrateFrom`: when that instance exists and its secret hash matches, moves its
   * pending and processing messages (in order, in front of anything already pending here,
   * keeping their delivery counts and enqueue times), its dead letters (in front of the ones
   * here), its role (unless `role` is given) and its topic subscriptions to `instanceId`, then
   * removes it. A wrong secret throws FORBIDDEN; a missing old instance is not an error; an
   * old id under another `user@host:project` throws VALIDATION (a `/clear` keeps the address,
   * and keeping both under one hash tag is what makes the move one atomic script).
   */
  register(input: RegisterInput): Promise<RegisterResult>;

  /**
   * Refresh presence of connections this replica holds. Returns the instance ids whose holder
   * is no longer the given `connId` (taken over elsewhere): the caller drops those sockets.
   */
  heartbeat(held: ReadonlyArray<{ instanceId: string; connId: string }>): Promise<string[]>;

  /**
   * The connection closed. When `connId` is the holder: marks the instance offline and
   * requeues its processing list, returning true. Otherwise returns false and changes nothing.
   */
  disconnect(instanceId: string, connId: string): Promise<boolean>;

  getInstance(instanceId: string): Promise<InstanceInfo | null>;
  /** Every known instance, online or offline, sorted by instance id. */
  listInstances(): Promise<InstanceInfo[]>;
  /** Throws NOT_FOUND for an unknown instance. `null` clears the role. */
  setRole(instanceId: string, role: string | null): Promise<InstanceInfo>;
  /**
   * Delete an offline instance with its queue, processing list, dead letters and
   * subscriptions. Throws
   * CONFLICT when it is online and NOT_FOUND when unknown.
   */
  removeInstance(instanceId: string): Promise<void>;

  // ---- queues ----

  /**
   * Store `message` at the back of each recipient's queue. Per recipient: UNKNOWN_RECIPIENT
   * when the instance was never registered (or was removed), RATE_LIMITED when `pairLimit` is
   * given and this sender already sent that many to the recipient in the window (counted in
   * the same atomic step, under the recipient's keys), QUEUE_FULL when pending plus processing
   * is at `queueMax`. A retry of a message id the recipient still holds answers queued without
   * storing or counting it again. Recipients are independent; the result lists both sides.
   * It also records, for `statusTtlMs`, the message's status (who it went to, each queued
   * recipient's receipt and `hops`): no separate call is needed for `getMessageStatus`.
   */
  enqueue(recipients: readonly string[], message: Message, opts?: EnqueueOptions): Promise<EnqueueResult>;

  /**
   * Move up to `max` of the oldest pending messages to the processing list (bounded so that
   * processing never exceeds `inflightWindow`) and return them oldest first, counting one
   * delivery of each, with how many stay pending and how much room is left in the window.
   * Messages already acknowledged (a reconnect race) are skipped and dropped.
   * On the way, a message enqueued more than `messageTtlMs` ago (reason `expired`, checked
   * first) or already handed out `maxDeliveries` times (reason `max_deliveries`) goes to the
   * dead-letter list instead and the claim looks further; nothing is inspected when there is
   * no room in the window. Throws NOT_HOLDER when `connId` is not the holder.
   */
  claim(instanceId: string, connId: string, max: number): Promise<ClaimResult>;

  /**
   * Listen, for `replica`, to the wake-ups other replicas' enqueues send to it: the id of an
   * instance held there whose empty queue got a message. At most once and unordered: a wake-up
   * lost in an outage is made up by the holder's periodic wake-all. Returns the unsubscribe.
   */
  onWake(replica: string, listener: (instanceId: string) => void): () => void;

  /**
   * Remove acknowledged messages by id, from the processing list or, after a requeue race,
   * from the pending queue, noting the ack for `getMessageStatus`. Unknown ids are ignored.
   * Returns how many were removed.
   */
  ack(instanceId: string, messageIds: readonly string[]): Promise<number>;

  /** Move the processing list back to the front of the queue, in order. Returns the count. */
  requeue(instanceId: string): Promise<number>;

  queueStats(instanceId: string): Promise<QueueStats>;
  /** Up to `limit` pending (oldest first) and every processing message, without moving any. */
  peek(instanceId: string, limit: number): Promise<{ pending: Message[]; processing: Message[] }>;
  /**
   * Delete pending and processing messages and every dead letter. Returns how many pending and
   * processing messages were removed (dead letters are not counted).
   */
  flush(instanceId: string): Promise<number>;

  // ---- dead letters ----

  /** Up to `limit` dead letters of the instance, oldest first; [] for an unknown instance. */
  deadLetters(instanceId: string, limit: number): Promise<DeadLetter[]>;
  /** How many dead letters the instance has (0 for an unknown instance). */
  deadLetterCount(instanceId: string): Promise<number>;
  /**
   * Put a dead letter back at the end of the pending queue with a fresh delivery count and a
   * fresh enqueue time (so an expired one gets a whole `messageTtlMs` again). It ignores
   * `queueMax` and needs no holder. When the same message id is pending again already (a
   * retried enqueue), only the dead letter goes. Returns false when no such dead letter exists.
   */
  replayDeadLetter(instanceId: string, messageId: string): Promise<boolean>;
  /** Delete one dead letter. Returns false when no such dead letter exists. */
  discardDeadLetter(instanceId: string, messageId: string): Promise<boolean>;

  // ---- topics ----

  /** Subscribe, creating the topic when needed. Throws NOT_FOUND for an unknown instance. */
  subscribe(instanceId: string, topic: string): Promise<{ created: boolean }>;
  unsubscribe(instanceId: string, topic: string): Promise<{ removed: boolean }>;
  /** Create (idempotent; updates `keep`). */
  createTopic(name: string, opts?: { keep?: boolean }): Promise<{ topic: TopicInfo; created: boolean }>;
  /** Delete the topic and every subscription to it. Returns false when it did not exist. */
  deleteTopic(name: string): Promise<boolean>;
  listTopics(): Promise<TopicInfo[]>;
  /** Subscriber instance ids, or null when the topic does not exist. */
  topicSubscribers(name: string): Promise<string[] | null>;
  instanceTopics(instanceId: string): Promise<string[]>;

  // ---- limits ----

  /**
   * Fixed-window counter shared by every replica: allows `limit` hits per `windowMs` for
   * `key`. Returns whether this hit is allowed and, when not, how long until the window ends.
   */
  rateLimit(
    key: string,
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; retryAfterMs: number }>;

  // ---- message status and stats ----

  /**
   * The `hops` of a message `recipient` received (0 when the message had none), or null when
   * it has no record of it (never queued to it, or older than `statusTtlMs`): a reply's hop
   * count builds on its parent's, and the replier is the parent's recipient.
   */
  getHops(messageId: string, recipient: string): Promise<number | null>;
  /**
   * `recipient` replied to the message with `replyId`: its state becomes `replied`. Only the
   * first reply is kept; unknown messages are ignored.
   */
  markReplied(messageId: string, recipient: string, replyId: string): Promise<void>;
  /**
   * Where a message is for each recipient it was queued to, for `statusTtlMs` after the
   * enqueue: `queued` (pending, never handed out), `delivered` (handed out, not acknowledged;
   * also a dead letter that was handed out), `acknowledged`, `replied`. States derive from the
   * queue itself; a message that left without an ack (flush, expiry) stays at its last state
   * known. The engine that enqueued answers at once; another replica's engine may take up to
   * a few tens of milliseconds to see a new message (records are written in batches).
   */
  getMessageStatus(messageId: string): Promise<MessageStatus | null>;
  /**
   * Count an accepted message in today's (UTC, engine clock) per-type counters. Counts may be
   * summed in memory and written about once a second; `messagesToday` on this engine already
   * includes them, and `close()` writes what is left.
   */
  countMessage(type: string): void;
  messagesToday(): Promise<Record<string, number>>;

  // ---- housekeeping ----

  /**
   * Safe to run on every replica at once. Instances whose presence expired while they still
   * had a holder (their replica died) go offline and have processing requeued; offline
   * instances not seen nor written to for `queueTtlMs` are removed with everything they own
   * (dropping out of subscriber sets); topics without subscribers for `topicEmptyTtlMs` are deleted unless
   * kept.
   */
  reap(): Promise<ReapResult>;
}

export interface EngineOptions {
  /** Pending + processing cap per instance (default 1000). */
  queueMax: number;
  /** Offline queues and instances expire this long after their last write or sighting. */
  queueTtlMs: number;
  /** Presence lasts this long without a heartbeat. */
  presenceTtlMs: number;
  /** Processing list bound per instance. */
  inflightWindow: number;
  /** Empty topics without `keep` are deleted after this long. */
  topicEmptyTtlMs: number;
  /** How long message status is kept for `message_status`. */
  statusTtlMs: number;
  /** Deliveries (claims without an ack) before a message is dead-lettered (default 10). */
  maxDeliveries: number;
  /** A message enqueued longer ago than this is dead-lettered when claimed (default 24h). */
  messageTtlMs: number;
}

/** Dead letters kept per instance; the oldest beyond this are dropped. */
export const DEAD_LETTER_CAP = 1000;

export type DeadLetterReason = "max_deliveries" | "expired";

export interface DeadLetter {
  message: Message;
  reason: DeadLetterReason;
  /** How many times it had been handed out (claimed) when it was moved aside. */
  deliveries: number;
  /** When it was moved aside: epoch ms, engine clock. */
  deadAt: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  queueMax: 1000,
  queueTtlMs: 7 * 24 * 3600_000,
  presenceTtlMs: 30_000,
  inflightWindow: 32,
  topicEmptyTtlMs: 24 * 3600_000,
  statusTtlMs: 24 * 3600_000,
  maxDeliveries: 10,
  messageTtlMs: 24 * 3600_000,
};

export interface RegisterInput {
  instanceId: string;
  /** Hex SHA-256 of the plugin's secret; the secret itself is never stored. */
  secretHash: string;
  role?: string | undefined;
  replica: string;
  /** Unique per connection (the socket id): the fencing token for `claim`. */
  connId: string;
  migrateFrom?: { instanceId: string; secretHash: string } | undefined;
}

export interface RegisterResult {
  instance: InstanceInfo;
  topics: string[];
  /** True when the id had never been registered. */
  created: boolean;
  /** Messages moved from processing back to the front of the queue. */
  requeued: number;
  migrated?: { from: string; messages: number; topics: number };
}

export interface EnqueueOptions {
  /** Refuse (RATE_LIMITED) past `perWindow` messages from `message.from` to one recipient. */
  pairLimit?: { perWindow: number; windowMs: number } | undefined;
  /**
   * Instance id → connId of a connection on this replica that offers to take the message now.
   * When that connection is the holder, nothing is pending for it and its in-flight window has
   * room, the message goes straight to the processing list with one delivery counted, exactly
   * as a `claim` by that connection would have moved it, and its instance id is listed in
   * `handedOver`: the caller delivers it to the socket and skips the wake-up and the claim.
   * Otherwise the offer changes nothing and the message is queued.
   */
  handover?: ReadonlyMap<string, string> | undefined;
  /**
   * The caller's replica. A recipient held on another replica is then woken by the engine
   * itself (see `onWake`) and listed in `notified`, so that the caller wakes only the holders
   * on its own replica. Without it the caller wakes every recipient.
   */
  replica?: string | undefined;
}

export type EnqueueRefusal =
  | { instanceId: string; code: "UNKNOWN_RECIPIENT" | "QUEUE_FULL" }
  | { instanceId: string; code: "RATE_LIMITED"; retryAfterMs: number };

export interface EnqueueResult {
  /** Every recipient that holds the message now, including the ones in `handedOver`. */
  queued: string[];
  refused: EnqueueRefusal[];
  /** Recipients whose connection's offer was taken (see EnqueueOptions.handover). */
  handedOver?: string[];
  /**
   * Recipients (with `EnqueueOptions.replica`) the caller need not wake: held on another
   * replica, which the engine told through `onWake` when their queue had been empty (with
   * messages already pending, the claim those await finds this one too), or held by nobody.
   */
  notified?: string[];
}

export interface ClaimResult {
  /** Oldest first. */
  messages: Message[];
  /** Messages still pending after this claim. */
  remaining: number;
  /** How many more the in-flight window takes now (0: wait for an ack). */
  room: number;
}

export interface ReapResult {
  /** Instances found held by a dead replica and marked offline. */
  wentOffline: string[];
  /** Messages moved back to queues from their processing lists. */
  requeued: number;
  /** Instances removed for good. */
  removed: string[];
  /** Empty topics deleted. */
  topicsExpired: string[];
}

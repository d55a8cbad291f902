import type {
  HistoryPage,
  HistoryQuery,
  HubEvent,
  MessageRecord,
  ReplicaRecord,
  ThreadDetail,
  ThreadPage,
  ThreadQuery,
} from "@cc2cc/shared";

/**
 * The history log: a bounded, replayable record of every hub event (messages with their
 * content included), so a dashboard opened late can show the last hours and the Conversations,
 * Analytics and Cluster views come from the server rather than from one browser's memory.
 *
 * Two implementations sit beside this file: `memory-history.ts` (the in-process engine) and
 * `redis-history.ts` (a Redis stream shared by every replica); `test/history/contract.ts` holds
 * the suite both pass.
 *
 * - Each replica appends the events it saw itself (the tee in `fanout.event`), so every event
 *   is logged once. Every event has its own entry id `<ms>-<seq>` (like a Redis stream id),
 *   increasing per store; the Redis store keeps a batch per stream entry and numbers the events
 *   inside it (redis-history-keys.ts), so ids, cursors and the scan budget count events.
 * - The log keeps at most `maxLen` events and nothing older than `maxAgeMs`; `trim()` enforces
 *   both and drops what indexed the removed messages. A store may drop an appended batch whole
 *   (the Redis store does), keeping fewer than `maxLen` then. Index records also expire.
 * - History is an operator's aid, not a delivery guarantee: a failed append is retried by the
 *   recorder a bounded number of times and then dropped (and counted), never blocking a send.
 */
export interface HistoryStore {
  readonly kind: "memory" | "redis";
  /** Append in order, as one batch. Rejects when the store is unreachable; nothing is half-written that matters. */
  append(events: readonly HubEvent[]): Promise<void>;
  /** Enforce the length and age caps. Safe on every replica at once. */
  trim(): Promise<void>;
  /** Newest first, filtered, at most `scanBudget` entries read per call. */
  list(query: HistoryQuery): Promise<HistoryPage>;
  /** One logged message with its thread root and acks; `status` is the route's to fill. */
  message(messageId: string): Promise<Omit<MessageRecord, "status"> | null>;
  /** Threads (by `replyTo`), most recently active first. */
  threads(query: ThreadQuery): Promise<ThreadPage>;
  thread(rootId: string): Promise<ThreadDetail | null>;
  /**
   * Aggregate slots (see aggregates.ts) whose start lies in [fromSlot, toSlot]. Counts this
   * store appended are included; other replicas' may be up to a second late (Redis store).
   */
  slots(fromSlot: number, toSlot: number): Promise<SlotCounts[]>;
  /** Store what a replica says about itself, kept for `ttlMs`. */
  putReplica(record: ReplicaRecord, ttlMs: number): Promise<void>;
  /** Every replica record still kept, sorted by name. */
  replicas(): Promise<ReplicaRecord[]>;
  close(): Promise<void>;
}

export interface HistoryOptions {
  maxLen: number;
  maxAgeMs: number;
}

/** The counters of one aggregate slot: field → count (fields are described in aggregates.ts). */
export interface SlotCounts {
  slot: number;
  fields: Record<string, number>;
}

/** The part of a `MessageRecord` the store keeps besides the logged event. */
export interface MessageIndex {
  entryId: string;
  rootId: string;
  acks: Map<string, number>;
}

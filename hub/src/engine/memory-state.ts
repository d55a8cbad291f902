import { type InstanceInfo, type Message, parseInstanceId } from "@cc2cc/shared";
import { DEAD_LETTER_CAP, type DeadLetter, type EngineOptions } from "./engine.js";

/** What the engine knows about a queued message besides its body. */
export interface MessageMeta {
  /** Engine clock at enqueue (or replay); the message's age for messageTtlMs. */
  enqueuedAt: number;
  /** Times `claim` has handed it out. */
  deliveries: number;
  /** Engine clock of the last claim, when it was handed out. */
  claimedAt?: number;
}

/** What a recipient remembers of a message for message_status once its body is gone. */
export interface Receipt {
  enqueuedAt: number;
  hops: number;
  ackedAt?: number;
  repliedAt?: number;
  replyId?: string;
}

/** Who a message went to (written by enqueue), for message_status. */
export interface SentRecord {
  from: string;
  to: string;
  acceptedAt: string;
  recipients: string[];
}

export interface InstanceRecord {
  id: string;
  secretHash: string;
  role: string | null;
  /** The connection that may claim (fencing token); null when offline. */
  holder: string | null;
  replica: string | null;
  presenceUntil: number;
  registeredAt: number;
  lastSeen: number;
  /** Last enqueue; with lastSeen it dates an offline instance for queueTtlMs. */
  lastWrite: number;
  pending: Message[];
  processing: Message[];
  /** Per message id in pending or processing. */
  meta: Map<string, MessageMeta>;
  /** Oldest first, at most DEAD_LETTER_CAP. */
  dead: DeadLetter[];
  topics: Set<string>;
}

export interface TopicRecord {
  name: string;
  createdAt: number;
  keep: boolean;
  subscribers: Set<string>;
  /** When the last subscriber left (or creation time); null while it has subscribers. */
  emptySince: number | null;
}

/** Everything the in-process engine holds; single-threaded JS makes each method atomic. */
export interface MemoryStore {
  readonly opts: EngineOptions;
  readonly now: () => number;
  readonly instances: Map<string, InstanceRecord>;
  readonly topics: Map<string, TopicRecord>;
  readonly statuses: Map<string, { record: SentRecord; expiresAt: number }>;
  /**
   * Recipient instance id → message id → receipt. Kept apart from the instance record, as on
   * Redis: a flush, a removal or a migration leaves them to expire after statusTtlMs.
   */
  readonly receipts: Map<string, Map<string, Receipt>>;
  /** UTC day (YYYY-MM-DD) → type → count. */
  readonly counters: Map<string, Map<string, number>>;
  readonly rates: Map<string, { count: number; resetAt: number }>;
  /** Replica → listeners of its wake-ups (Engine.onWake); in-process, for the same contract. */
  readonly wakes: Map<string, Set<(instanceId: string) => void>>;
  closed: boolean;
}

export function createStore(opts: EngineOptions, now: () => number): MemoryStore {
  return {
    opts,
    now,
    instances: new Map(),
    topics: new Map(),
    statuses: new Map(),
    receipts: new Map(),
    counters: new Map(),
    wakes: new Map(),
    rates: new Map(),
    closed: false,
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Stored and returned messages are copies, as they would be after a round trip through Redis. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

export function isOnline(store: MemoryStore, rec: InstanceRecord): boolean {
  return rec.holder !== null && store.now() < rec.presenceUntil;
}

/** Move the processing list back to the front of the queue, in order. */
export function requeueRecord(rec: InstanceRecord): number {
  const n = rec.processing.length;
  if (n > 0) rec.pending = [...rec.processing, ...rec.pending];
  rec.processing = [];
  return n;
}

/** Append dead letters (replacing an older one of the same id) and drop the oldest beyond the cap. */
export function bury(rec: InstanceRecord, letters: readonly DeadLetter[]): void {
  const ids = new Set(letters.map((d) => d.message.id));
  rec.dead = [...rec.dead.filter((d) => !ids.has(d.message.id)), ...letters];
  if (rec.dead.length > DEAD_LETTER_CAP) rec.dead = rec.dead.slice(rec.dead.length - DEAD_LETTER_CAP);
}

export function toInfo(store: MemoryStore, rec: InstanceRecord): InstanceInfo {
  const parts = parseInstanceId(rec.id) ?? { username: "", host: "", project: "", session: "" };
  return {
    instanceId: rec.id,
    ...parts,
    role: rec.role,
    online: isOnline(store, rec),
    replica: rec.replica,
    queueDepth: rec.pending.length,
    processing: rec.processing.length,
    registeredAt: iso(rec.registeredAt),
    lastSeen: iso(rec.lastSeen),
  };
}

export function sortedIds(values: Iterable<string>): string[] {
  return [...values].sort();
}

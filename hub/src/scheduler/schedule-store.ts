import type { MessageType, Metadata, MissedPolicy, ScheduleFire, ScheduleState } from "@cc2cc/shared";

/** What a schedule is configured to do; the store keeps it as one opaque JSON document. */
export interface ScheduleConfig {
  id: string;
  name: string;
  expression: string;
  timezone: string;
  target: string;
  messageType: MessageType;
  content: string;
  persistent?: boolean;
  metadata?: Metadata;
  maxFireCount?: number;
  expiresAt?: string;
  missedPolicy: MissedPolicy;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Where intervals and one shots count from: creation, or the update that changed the timing. */
  anchorMs: number;
}

/** What the store's atomic steps reason about. */
export interface RunState {
  /** Bumped by every write, so a step prepared from an old read is refused (STALE). */
  v: number;
  st: ScheduleState;
  /** Planned next fire (epoch ms); only while `st` is active. */
  next?: number;
  /** Fires so far (fireCount). */
  n: number;
  /** Last fire (epoch ms, store clock). */
  last?: number;
  /** maxFireCount, mirrored so the store can complete a schedule by itself. */
  max?: number;
}

export interface StoredSchedule {
  config: ScheduleConfig;
  run: RunState;
}

/** The next state a write asks for. Active needs `nextMs`; the store turns a reached max into completed. */
export interface Plan {
  state: ScheduleState;
  nextMs?: number;
}

/** A due fire held by one replica until `leaseMs` passes. */
export interface Claim {
  id: string;
  token: string;
  /** The planned fire time: kept across re-claims, so a retried fire has the same message id. */
  plannedMs: number;
  /** Store time of the first claim of this planned fire: missed-fire decisions use it, so every attempt decides alike. */
  firstClaimMs: number;
  /** 1 for the first claim, 2+ when an earlier holder's lease lapsed. */
  attempt: number;
  config: ScheduleConfig;
  run: RunState;
}

export interface ClaimBatch {
  /** The store's clock when it claimed. */
  nowMs: number;
  claims: Claim[];
}

export interface Completion {
  id: string;
  token: string;
  /** The history entry; absent when nothing happened worth recording (expired before the fire). */
  fire?: ScheduleFire;
  /** Counts toward fireCount (a sent or refused fire; not a skip). */
  counts: boolean;
  /** Applied only when the schedule was not changed since the claim; an update's plan wins. */
  plan: Plan;
}

/**
 * Where schedules live. Guarantees, for every implementation:
 * - `claim` hands each due fire to exactly one caller at a time: it returns schedules whose
 *   planned time (or, while claimed, whose lease end) is at or before the store's clock, gives
 *   each a fresh token and hides it from other claimers for `leaseMs`. A claim whose lease
 *   lapsed is claimed again with the same `plannedMs` and `firstClaimMs`.
 * - `complete` applies only with the current token (a stale or lapsed holder's completion is
 *   a no-op returning false), records the fire (history bounded to `historyMax`, newest
 *   first), bumps the fire count, plans the next fire, and releases the claim, in one step.
 * - Every write bumps `run.v`; `update` takes the version it read and throws
 *   `Cc2ccError("CONFLICT")` when another write came first (callers re-read and retry).
 *   An update while claimed does not release the claim: the holder's completion still
 *   records its fire but keeps the update's plan, so the old version never fires twice.
 * - A paused, completed, expired or deleted schedule is never claimed.
 * - `hold` gives a fire outside the plan (fire now) a claim's exclusivity, so that it and a
 *   planned fire never run at once (together they could pass maxFireCount): refused with
 *   `Cc2ccError("CONFLICT")` while a claim or another hold is out, or once the schedule
 *   completed or expired; hidden from `claim` for `leaseMs`. `complete` with its token records
 *   and counts the fire and keeps the plan. A hold that lapsed (its replica died) is dropped by
 *   the next `claim`, which puts the plan back without firing.
 * - `create` refuses beyond `maxSchedules` with `Cc2ccError("CONFLICT")`.
 * - Times come from the store's clock (Redis TIME), never a replica's.
 */
export interface ScheduleStore {
  readonly kind: "memory" | "redis";
  now(): Promise<number>;
  create(s: StoredSchedule, maxSchedules: number): Promise<void>;
  get(id: string): Promise<StoredSchedule | null>;
  list(): Promise<StoredSchedule[]>;
  count(): Promise<number>;
  update(id: string, expectedVersion: number, config: ScheduleConfig, plan: Plan): Promise<StoredSchedule>;
  remove(id: string): Promise<boolean>;
  claim(opts: { replica: string; limit: number; leaseMs: number }): Promise<ClaimBatch>;
  complete(c: Completion): Promise<boolean>;
  /** Hold a schedule for a fire outside the plan; release it with `complete` and `token`. */
  hold(id: string, opts: { token: string; leaseMs: number; replica: string }): Promise<StoredSchedule>;
  /**
   * A fire outside the plan recorded without a hold (its hold lapsed before the fire was
   * recorded): counted, plan unchanged. NOT_FOUND when gone.
   */
  recordFire(id: string, fire: ScheduleFire): Promise<StoredSchedule>;
  fires(id: string, limit: number): Promise<ScheduleFire[]>;
  /** The earliest time anything is due (a plan or a lease end), or null. */
  nextDueMs(): Promise<number | null>;
  close(): Promise<void>;
}

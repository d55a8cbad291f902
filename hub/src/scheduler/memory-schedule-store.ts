import type { ScheduleFire } from "@cc2cc/shared";
import { scheduleError } from "./redis-schedule-errors.js";
import type {
  Claim,
  ClaimBatch,
  Completion,
  Plan,
  RunState,
  ScheduleConfig,
  ScheduleStore,
  StoredSchedule,
} from "./schedule-store.js";

interface ClaimLease {
  tok: string;
  planned: number;
  first: number;
  v: number;
  till: number;
  att: number;
  manual?: undefined;
}

/** A fire-now hold (hold-4.lua). */
interface HoldLease {
  tok: string;
  manual: true;
  v: number;
  till: number;
}

type Lease = ClaimLease | HoldLease;

interface Entry {
  config: ScheduleConfig;
  run: RunState;
  fires: ScheduleFire[];
  lease?: Lease;
  /** The due score: the plan, or the lease end while claimed. */
  due?: number;
}

export interface MemoryScheduleStoreOptions {
  historyMax: number;
  /** The store clock; tests pass a fake one. */
  clock?: () => number;
}

/** The same rules as the Lua prelude's `settle`. */
function settle(run: RunState): void {
  if (run.st === "active" && run.max !== undefined && run.n >= run.max) run.st = "completed";
  if (run.st === "active" && run.next === undefined) run.st = "completed";
  if (run.st !== "active") delete run.next;
}

function place(e: Entry): void {
  if (e.run.st === "active") e.due = e.run.next;
  else delete e.due;
}

const copy = <T>(v: T): T => structuredClone(v);

/** The in-process store (one replica, nothing survives a restart), with the Redis store's guarantees. */
export function createMemoryScheduleStore(opts: MemoryScheduleStoreOptions): ScheduleStore {
  const clock = opts.clock ?? Date.now;
  const entries = new Map<string, Entry>();
  let claims = 0;
  const snapshot = (e: Entry): StoredSchedule => ({ config: copy(e.config), run: copy(e.run) });
  const record = (e: Entry, fire: ScheduleFire) => {
    e.fires.unshift(copy(fire));
    e.fires.length = Math.min(e.fires.length, opts.historyMax);
  };
  const optional = (n: number | undefined) => (n === undefined ? {} : { next: n });

  return {
    kind: "memory",
    now: async () => clock(),

    async create(s, maxSchedules) {
      if (entries.has(s.config.id)) throw scheduleError("EXISTS", s.config.id);
      if (entries.size >= maxSchedules) throw scheduleError("FULL", s.config.id, maxSchedules);
      const e: Entry = { config: copy(s.config), run: copy(s.run), fires: [] };
      settle(e.run);
      place(e);
      entries.set(s.config.id, e);
    },

    get: async (id) => {
      const e = entries.get(id);
      return e ? snapshot(e) : null;
    },

    list: async () => [...entries.values()].map(snapshot),
    count: async () => entries.size,

    async update(id, expectedVersion, config, plan: Plan) {
      const e = entries.get(id);
      if (!e) throw scheduleError("NOT_FOUND", id);
      if (e.run.v !== expectedVersion) throw scheduleError("STALE", id);
      const { next: _, max: __, ...rest } = e.run;
      e.run = {
        ...rest,
        v: e.run.v + 1,
        st: plan.state,
        ...optional(plan.nextMs),
        ...(config.maxFireCount !== undefined ? { max: config.maxFireCount } : {}),
      };
      settle(e.run);
      e.config = copy(config);
      if (!e.lease) place(e);
      return snapshot(e);
    },

    remove: async (id) => entries.delete(id),

    async claim({ limit, leaseMs }): Promise<ClaimBatch> {
      const now = clock();
      const due = [...entries.entries()]
        .filter(([, e]) => e.due !== undefined && e.due <= now)
        .sort((a, b) => a[1].due! - b[1].due! || (a[0] < b[0] ? -1 : 1))
        .slice(0, limit);
      const out: Claim[] = [];
      claims++;
      for (const [id, e] of due) {
        if (e.lease?.manual) {
          // A fire-now hold whose holder went away: the plan takes the entry back.
          delete e.lease;
          place(e);
          continue;
        }
        const planned = e.lease?.planned ?? e.run.next;
        if (e.run.st !== "active" || planned === undefined) {
          delete e.due;
          delete e.lease;
          continue;
        }
        const lease: ClaimLease = {
          tok: `mem:${claims}:${out.length + 1}`,
          planned,
          first: e.lease?.first ?? now,
          v: e.run.v,
          till: now + leaseMs,
          att: (e.lease?.att ?? 0) + 1,
        };
        e.lease = lease;
        e.due = lease.till;
        out.push({
          id,
          token: lease.tok,
          plannedMs: planned,
          firstClaimMs: lease.first,
          attempt: lease.att,
          ...snapshot(e),
        });
      }
      return { nowMs: now, claims: out };
    },

    async complete(c: Completion) {
      const e = entries.get(c.id);
      if (!e?.lease || e.lease.tok !== c.token) return false;
      const held = e.lease;
      delete e.lease;
      if (c.fire) record(e, c.fire);
      if (c.counts) {
        e.run.n += 1;
        e.run.last = clock();
      }
      if (e.run.v === held.v) {
        e.run.st = c.plan.state;
        if (c.plan.nextMs === undefined) delete e.run.next;
        else e.run.next = c.plan.nextMs;
      }
      settle(e.run);
      e.run.v += 1;
      place(e);
      return true;
    },

    async hold(id, { token, leaseMs }) {
      const e = entries.get(id);
      if (!e) throw scheduleError("NOT_FOUND", id);
      if (e.run.st === "completed" || e.run.st === "expired") throw scheduleError("ENDED", id);
      if (e.lease) throw scheduleError("BUSY", id);
      e.lease = { tok: token, manual: true, v: e.run.v, till: clock() + leaseMs };
      e.due = e.lease.till;
      return snapshot(e);
    },

    async recordFire(id, fire) {
      const e = entries.get(id);
      if (!e) throw scheduleError("NOT_FOUND", id);
      record(e, fire);
      e.run.n += 1;
      e.run.last = clock();
      if (e.run.max !== undefined && e.run.n >= e.run.max && e.run.st !== "expired") e.run.st = "completed";
      settle(e.run);
      e.run.v += 1;
      if (!e.lease) place(e);
      return snapshot(e);
    },

    fires: async (id, limit) => copy(entries.get(id)?.fires.slice(0, limit) ?? []),

    async nextDueMs() {
      let min: number | null = null;
      for (const e of entries.values()) if (e.due !== undefined && (min === null || e.due < min)) min = e.due;
      return min;
    },

    close: async () => {},
  };
}

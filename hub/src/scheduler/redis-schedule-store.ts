import type { ScheduleFire } from "@cc2cc/shared";
import type { Redis } from "ioredis";
import { guard } from "../engine/redis-errors.js";
import { checkScheduleReply } from "./redis-schedule-errors.js";
import { ScheduleScripts } from "./redis-schedule-scripts.js";
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

/**
 * Key layout, all under the hash tag `{sched}` so every script is single-slot on Redis Cluster:
 *   <prefix>{sched}:cfg         hash id -> config JSON (opaque to the scripts)
 *   <prefix>{sched}:run         hash id -> run state JSON {v, st, next, n, last, max}
 *   <prefix>{sched}:due         zset id -> when someone must look: the planned fire, or, while
 *                               claimed, the lease's end (so a dead holder's fire comes back)
 *   <prefix>{sched}:lease       hash id -> {tok, planned, first, v, rep, till, att}; a fire-now
 *                               hold is {tok, manual, v, rep, till, att = 0}
 *   <prefix>{sched}:fires:<id>  list of fire JSON, newest first, at most historyMax
 */
export function scheduleKeys(prefix: string) {
  const base = `${prefix}{sched}:`;
  return {
    cfg: `${base}cfg`,
    run: `${base}run`,
    due: `${base}due`,
    lease: `${base}lease`,
    fires: (id: string) => `${base}fires:${id}`,
  };
}

export interface RedisScheduleStoreOptions {
  prefix: string;
  historyMax: number;
}

export function createRedisScheduleStore(redis: Redis, opts: RedisScheduleStoreOptions): ScheduleStore {
  const k = scheduleKeys(opts.prefix);
  const scripts = new ScheduleScripts(redis);
  const opt = (v: number | undefined) => (v === undefined ? "" : v);

  function decode(cfg: string, run: string): StoredSchedule {
    return { config: JSON.parse(cfg) as ScheduleConfig, run: JSON.parse(run) as RunState };
  }

  return {
    kind: "redis",
    now: () =>
      guard(async () => {
        const [s, us] = await redis.time();
        return Number(s) * 1000 + Math.floor(Number(us) / 1000);
      }),

    create: (s, maxSchedules) =>
      guard(async () => {
        const reply = await scripts.run(
          "create-3",
          [k.cfg, k.run, k.due],
          [s.config.id, JSON.stringify(s.config), JSON.stringify(s.run), maxSchedules],
        );
        checkScheduleReply(reply, s.config.id, maxSchedules);
      }),

    get: (id) =>
      guard(async () => {
        const [cfg, run] = await Promise.all([redis.hget(k.cfg, id), redis.hget(k.run, id)]);
        return cfg !== null && run !== null ? decode(cfg, run) : null;
      }),

    list: () =>
      guard(async () => {
        const [cfgs, runs] = await Promise.all([redis.hgetall(k.cfg), redis.hgetall(k.run)]);
        return Object.entries(cfgs)
          .filter(([id]) => runs[id] !== undefined)
          .map(([id, cfg]) => decode(cfg, runs[id]!));
      }),

    count: () => guard(() => redis.hlen(k.cfg)),

    update: (id, expectedVersion, config, plan: Plan) =>
      guard(async () => {
        const reply = await scripts.run(
          "update-4",
          [k.cfg, k.run, k.due, k.lease],
          [
            id,
            expectedVersion,
            JSON.stringify(config),
            plan.state,
            opt(plan.nextMs),
            opt(config.maxFireCount),
          ],
        );
        return { config, run: JSON.parse(checkScheduleReply(reply, id) as string) as RunState };
      }),

    remove: (id) =>
      guard(async () => {
        const reply = await scripts.run("remove-5", [k.cfg, k.run, k.due, k.lease, k.fires(id)], [id]);
        return reply === 1;
      }),

    claim: ({ replica, limit, leaseMs }) =>
      guard(async (): Promise<ClaimBatch> => {
        const base = `${replica}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 10)}`;
        const reply = (await scripts.run(
          "claim-4",
          [k.cfg, k.run, k.due, k.lease],
          [limit, leaseMs, base, replica],
        )) as Array<string | number>;
        const claims: Claim[] = [];
        for (let i = 1; i + 6 < reply.length; i += 7) {
          claims.push({
            id: String(reply[i]),
            token: String(reply[i + 1]),
            plannedMs: Number(reply[i + 2]),
            firstClaimMs: Number(reply[i + 3]),
            attempt: Number(reply[i + 4]),
            config: JSON.parse(String(reply[i + 5])) as ScheduleConfig,
            run: JSON.parse(String(reply[i + 6])) as RunState,
          });
        }
        return { nowMs: Number(reply[0]), claims };
      }),

    complete: (c: Completion) =>
      guard(async () => {
        const reply = await scripts.run(
          "complete-4",
          [k.run, k.due, k.lease, k.fires(c.id)],
          [
            c.id,
            c.token,
            c.fire ? JSON.stringify(c.fire) : "",
            c.counts ? "1" : "0",
            c.plan.state,
            opt(c.plan.nextMs),
            opts.historyMax,
          ],
        );
        return reply === 1;
      }),

    hold: (id, { token, leaseMs, replica }) =>
      guard(async () => {
        const reply = await scripts.run(
          "hold-4",
          [k.cfg, k.run, k.due, k.lease],
          [id, token, leaseMs, replica],
        );
        const [cfg, run] = checkScheduleReply(reply, id) as [string, string];
        return decode(cfg, run);
      }),

    recordFire: (id, fire) =>
      guard(async () => {
        const reply = await scripts.run(
          "record-4",
          [k.run, k.due, k.lease, k.fires(id)],
          [id, JSON.stringify(fire), opts.historyMax],
        );
        const run = JSON.parse(checkScheduleReply(reply, id) as string) as RunState;
        const cfg = await redis.hget(k.cfg, id);
        return { config: JSON.parse(cfg ?? "{}") as ScheduleConfig, run };
      }),

    fires: (id, limit) =>
      guard(async () =>
        (await redis.lrange(k.fires(id), 0, Math.max(0, limit - 1))).map(
          (f) => JSON.parse(f) as ScheduleFire,
        ),
      ),

    nextDueMs: () =>
      guard(async () => {
        const first = await redis.zrange(k.due, 0, 0, "WITHSCORES");
        return first.length === 2 ? Number(first[1]) : null;
      }),

    // The connection belongs to the engine, which closes it.
    close: async () => {},
  };
}

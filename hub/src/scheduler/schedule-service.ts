import {
  addressOf,
  Cc2ccError,
  type CreateScheduleBody,
  type Schedule,
  type ScheduleFire,
  type SchedulePreview,
  type UpdateScheduleBody,
} from "@cc2cc/shared";
import type { HubConfig } from "../config.js";
import type { Fanout } from "../core/fanout.js";
import { nowIso } from "../core/hub-context.js";
import type { Messaging } from "../core/messaging.js";
import type { Metrics } from "../metrics.js";
import { checkTimeZone, describe, nextFires, parseExpression, publicKind } from "./expression.js";
import { fireNow } from "./fire-now.js";
import { mergeUpdate } from "./schedule-merge.js";
import { planAfter } from "./schedule-plan.js";
import { newScheduleId, newStoredSchedule, toSchedule } from "./schedule-record.js";
import type { ScheduleStore, StoredSchedule } from "./schedule-store.js";
import { validateCreate } from "./schedule-validate.js";

export interface ScheduleServiceDeps {
  store: ScheduleStore;
  messaging: Messaging;
  fanout: Fanout;
  metrics: Metrics;
  config: Pick<
    HubConfig,
    "replica" | "scheduleTimezone" | "scheduleMax" | "maxContentBytes" | "scheduleLeaseMs"
  >;
  /** A schedule was created or re-planned here: the local scheduler looks at once. */
  onChange: () => void;
}

/** Who asks: the operator (REST, dashboard key) may change any schedule; a plugin only its address's. */
export type Actor = { kind: "operator"; id: string } | { kind: "plugin"; id: string };

const UPDATE_RETRIES = 5;

/** Schedules as the REST routes and the plugin requests see them. */
export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  get store(): ScheduleStore {
    return this.deps.store;
  }

  async create(body: CreateScheduleBody, actor: Actor): Promise<Schedule> {
    const { store, config } = this.deps;
    const id = newScheduleId();
    const nowMs = await store.now();
    const v = validateCreate(
      body,
      id,
      body.timezone ?? config.scheduleTimezone,
      nowMs,
      config.maxContentBytes,
    );
    const stored = newStoredSchedule(id, body, { timezone: v.timezone, createdBy: actor.id, nowMs });
    await store.create(stored, config.scheduleMax);
    const schedule = toSchedule(stored);
    this.emit({ type: "schedule:created", schedule });
    this.deps.metrics.schedules.set(await store.count());
    this.deps.onChange();
    return schedule;
  }

  async list(
    filter: { createdBy?: string | undefined; address?: string | undefined } = {},
  ): Promise<Schedule[]> {
    const all = await this.deps.store.list();
    return all
      .filter(
        (s) =>
          filter.createdBy === undefined ||
          s.config.createdBy === filter.createdBy ||
          addressOf(s.config.createdBy) === filter.createdBy,
      )
      .filter((s) => filter.address === undefined || addressOf(s.config.createdBy) === filter.address)
      .sort((a, b) => (a.config.id < b.config.id ? -1 : 1))
      .map(toSchedule);
  }

  async get(id: string, fireLimit = 20): Promise<{ schedule: Schedule; fires: ScheduleFire[] }> {
    const s = await this.load(id);
    return { schedule: toSchedule(s), fires: await this.deps.store.fires(id, fireLimit) };
  }

  async fires(id: string, limit: number): Promise<ScheduleFire[]> {
    await this.load(id);
    return this.deps.store.fires(id, limit);
  }

  async update(id: string, body: UpdateScheduleBody, actor: Actor): Promise<Schedule> {
    const { store, config } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const current = await this.load(id);
      this.checkOwner(current, actor);
      const nowMs = await store.now();
      const { next, replan } = mergeUpdate(current.config, body, nowMs, config);
      const plan = replan
        ? planAfter(next, current.run.n, nowMs)
        : { state: current.run.st, ...(current.run.next !== undefined ? { nextMs: current.run.next } : {}) };
      try {
        const updated = await store.update(id, current.run.v, next, plan);
        const schedule = toSchedule(updated);
        this.emit({ type: "schedule:updated", schedule });
        this.deps.onChange();
        return schedule;
      } catch (err) {
        // A fire completed (or another update landed) between our read and write: re-read.
        if (!(err instanceof Cc2ccError && err.code === "CONFLICT") || attempt >= UPDATE_RETRIES) throw err;
      }
    }
  }

  async remove(id: string, actor: Actor): Promise<{ scheduleId: string; deleted: true }> {
    this.checkOwner(await this.load(id), actor);
    if (!(await this.deps.store.remove(id)))
      throw new Cc2ccError("NOT_FOUND", `schedule ${id} does not exist`, { field: "scheduleId" });
    this.emit({ type: "schedule:deleted", scheduleId: id });
    this.deps.metrics.schedules.set(await this.deps.store.count());
    return { scheduleId: id, deleted: true };
  }

  /** Fire now, outside the plan: counts toward fireCount, leaves the next planned fire alone. */
  async fireNow(id: string, actor: Actor): Promise<ScheduleFire> {
    const s = await this.load(id);
    this.checkOwner(s, actor);
    const { fire, after } = await fireNow(this.deps, s);
    this.deps.metrics.scheduleFires.inc({ outcome: fire.outcome, trigger: "manual" });
    this.emit({ type: "schedule:fired", fire });
    this.emit({ type: "schedule:updated", schedule: toSchedule(after) });
    return fire;
  }

  async preview(body: {
    expression: string;
    timezone?: string | undefined;
    count?: number | undefined;
  }): Promise<SchedulePreview> {
    const expr = parseExpression(body.expression);
    const zone = checkTimeZone(body.timezone ?? this.deps.config.scheduleTimezone);
    const nowMs = await this.deps.store.now();
    return {
      kind: publicKind(expr),
      description: describe(expr, zone, nowMs),
      timezone: zone,
      nextFireTimes: nextFires(expr, zone, nowMs, nowMs, body.count ?? 5).map((t) =>
        new Date(t).toISOString(),
      ),
    };
  }

  private async load(id: string): Promise<StoredSchedule> {
    const s = await this.deps.store.get(id);
    if (!s) throw new Cc2ccError("NOT_FOUND", `schedule ${id} does not exist`, { field: "scheduleId" });
    return s;
  }

  private checkOwner(s: StoredSchedule, actor: Actor): void {
    if (actor.kind === "operator" || addressOf(s.config.createdBy) === addressOf(actor.id)) return;
    throw new Cc2ccError(
      "FORBIDDEN",
      `schedule ${s.config.id} belongs to ${addressOf(s.config.createdBy)}; only its creator's address or the dashboard may change it`,
    );
  }

  private emit(e: DistributiveOmit<Parameters<Fanout["event"]>[0], "at" | "replica">): void {
    this.deps.fanout.event({ ...e, at: nowIso(), replica: this.deps.config.replica } as Parameters<
      Fanout["event"]
    >[0]);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

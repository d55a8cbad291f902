import { createHash } from "node:crypto";
import type { CreateScheduleBody, Schedule } from "@cc2cc/shared";
import { v7 as uuidv7 } from "uuid";
import { describe, parseExpression, publicKind } from "./expression.js";
import { planAfter } from "./schedule-plan.js";
import type { ScheduleConfig, StoredSchedule } from "./schedule-store.js";

export function newScheduleId(): string {
  return `sch_${uuidv7().replace(/-/g, "")}`;
}

/**
 * The message id of the fire planned at `plannedMs`: a UUIDv7 whose time is the planned time
 * and whose random bits come from sha256(id + planned). Every replica that ever retries this
 * fire derives the same id, so the queue and the plugin's dedup set see one message.
 */
export function fireMessageId(scheduleId: string, plannedMs: number): string {
  const random = createHash("sha256").update(`${scheduleId}|${plannedMs}`).digest().subarray(0, 16);
  return uuidv7({ msecs: plannedMs, random });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The wire view of a stored schedule. */
export function toSchedule(s: StoredSchedule): Schedule {
  const { config: c, run } = s;
  const expr = parseExpression(c.expression);
  const optional = <K extends string, V>(key: K, v: V | undefined) =>
    (v === undefined ? {} : { [key]: v }) as Partial<Record<K, V>>;
  return {
    id: c.id,
    name: c.name,
    expression: c.expression,
    timezone: c.timezone,
    kind: publicKind(expr),
    description: describe(expr, c.timezone, c.anchorMs),
    target: c.target,
    messageType: c.messageType,
    content: c.content,
    ...optional("persistent", c.persistent),
    ...optional("metadata", c.metadata),
    ...optional("maxFireCount", c.maxFireCount),
    ...optional("expiresAt", c.expiresAt),
    missedPolicy: c.missedPolicy,
    enabled: c.enabled,
    state: run.st,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    fireCount: run.n,
    ...optional("lastFiredAt", run.last === undefined ? undefined : iso(run.last)),
    ...optional("nextFireAt", run.st === "active" && run.next !== undefined ? iso(run.next) : undefined),
  };
}

/** A new schedule as stored: configured from the body, anchored and planned at `nowMs`. */
export function newStoredSchedule(
  id: string,
  body: CreateScheduleBody,
  at: { timezone: string; createdBy: string; nowMs: number },
): StoredSchedule {
  const iso = new Date(at.nowMs).toISOString();
  const config: ScheduleConfig = {
    id,
    name: body.name,
    expression: body.expression,
    timezone: at.timezone,
    target: body.target,
    messageType: body.messageType,
    content: body.content,
    ...(body.persistent !== undefined ? { persistent: body.persistent } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
    ...(body.maxFireCount !== undefined ? { maxFireCount: body.maxFireCount } : {}),
    ...(body.expiresAt !== undefined ? { expiresAt: new Date(body.expiresAt).toISOString() } : {}),
    missedPolicy: body.missedPolicy ?? "fire_once",
    enabled: body.enabled ?? true,
    createdBy: at.createdBy,
    createdAt: iso,
    updatedAt: iso,
    anchorMs: at.nowMs,
  };
  const plan = planAfter(config, 0, at.nowMs);
  return {
    config,
    run: {
      v: 1,
      st: plan.state,
      n: 0,
      ...(plan.nextMs !== undefined ? { next: plan.nextMs } : {}),
      ...(config.maxFireCount !== undefined ? { max: config.maxFireCount } : {}),
    },
  };
}

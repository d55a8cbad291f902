import type { UpdateScheduleBody } from "@cc2cc/shared";
import type { HubConfig } from "../config.js";
import type { ScheduleConfig } from "./schedule-store.js";
import { validateContent, validateExpiry, validateMetadata, validateTiming } from "./schedule-validate.js";

/**
 * Apply an update body to a config: absent fields stay, `null` clears an optional one.
 * A new expression or zone restarts the count (new anchor); any change to timing, enabled,
 * maxFireCount or expiresAt asks for a new plan from now.
 */
export function mergeUpdate(
  c: ScheduleConfig,
  b: UpdateScheduleBody,
  nowMs: number,
  config: Pick<HubConfig, "scheduleTimezone" | "maxContentBytes">,
): { next: ScheduleConfig; replan: boolean } {
  const next: ScheduleConfig = { ...c, updatedAt: new Date(nowMs).toISOString() };
  if (b.name !== undefined) next.name = b.name;
  if (b.target !== undefined) next.target = b.target;
  if (b.messageType !== undefined) next.messageType = b.messageType;
  if (b.content !== undefined) {
    validateContent(b.content, config.maxContentBytes);
    next.content = b.content;
  }
  if (b.missedPolicy !== undefined) next.missedPolicy = b.missedPolicy;
  if (b.enabled !== undefined) next.enabled = b.enabled;
  setOrClear(next, "persistent", b.persistent);
  setOrClear(next, "metadata", b.metadata);
  setOrClear(next, "maxFireCount", b.maxFireCount);
  setOrClear(
    next,
    "expiresAt",
    b.expiresAt === undefined || b.expiresAt === null ? b.expiresAt : new Date(b.expiresAt).toISOString(),
  );
  if (b.expiresAt) validateExpiry(b.expiresAt, nowMs);
  validateMetadata(next.metadata, next.id, next.name);
  if (b.expression !== undefined) next.expression = b.expression;
  if (b.timezone !== undefined) next.timezone = b.timezone ?? config.scheduleTimezone;
  const timing = next.expression !== c.expression || next.timezone !== c.timezone;
  if (timing) {
    next.timezone = validateTiming(next.expression, next.timezone, nowMs).timezone;
    next.anchorMs = nowMs;
  }
  const replan =
    timing ||
    next.enabled !== c.enabled ||
    next.maxFireCount !== c.maxFireCount ||
    next.expiresAt !== c.expiresAt;
  return { next, replan };
}

function setOrClear<K extends "persistent" | "metadata" | "maxFireCount" | "expiresAt">(
  target: ScheduleConfig,
  key: K,
  value: ScheduleConfig[K] | null | undefined,
): void {
  if (value === undefined) return;
  if (value === null) delete target[key];
  else target[key] = value;
}

import { countFires, nextFire, parseExpression } from "./expression.js";
import type { Claim, Plan, ScheduleConfig } from "./schedule-store.js";

const expiryMs = (c: ScheduleConfig) => (c.expiresAt === undefined ? undefined : Date.parse(c.expiresAt));

/** State and next fire of a schedule that has fired `fireCount` times, looking after `afterMs`. */
export function planAfter(config: ScheduleConfig, fireCount: number, afterMs: number): Plan {
  if (config.maxFireCount !== undefined && fireCount >= config.maxFireCount) return { state: "completed" };
  const exp = expiryMs(config);
  if (exp !== undefined && exp <= afterMs) return { state: "expired" };
  if (!config.enabled) return { state: "paused" };
  const next = nextFire(parseExpression(config.expression), config.timezone, config.anchorMs, afterMs);
  if (next === null) return { state: "completed" };
  if (exp !== undefined && next >= exp) return { state: "expired" };
  return { state: "active", nextMs: next };
}

/** What to do with a claimed fire. */
export type Decision =
  /** Past expiry or max fire count: record nothing, settle the state. */
  | { action: "drop"; plan: Plan }
  | { action: "fire"; trigger: "schedule" | "recovery"; covers: number; plan: Plan }
  /** Missed fires under `missedPolicy: skip`: recorded as missed, not sent. */
  | { action: "skip"; covers: number; plan: Plan };

/**
 * Pure: expiry and fire count first, then on time or missed. A fire is missed when its first
 * claim came more than `graceMs` after its planned time (every replica was down); the decision
 * uses the first claim's time, so a re-claim after a dead holder decides exactly alike.
 */
export function decide(claim: Claim, graceMs: number): Decision {
  const { config, run, plannedMs, firstClaimMs } = claim;
  if (config.maxFireCount !== undefined && run.n >= config.maxFireCount) {
    return { action: "drop", plan: { state: "completed" } };
  }
  const exp = expiryMs(config);
  if (exp !== undefined && plannedMs >= exp) return { action: "drop", plan: { state: "expired" } };
  if (firstClaimMs - plannedMs <= graceMs) {
    return { action: "fire", trigger: "schedule", covers: 1, plan: planAfter(config, run.n + 1, plannedMs) };
  }
  const expr = parseExpression(config.expression);
  const until = Math.min(firstClaimMs + 1, exp ?? Number.POSITIVE_INFINITY);
  const covers = Math.max(1, countFires(expr, config.timezone, config.anchorMs, plannedMs, until));
  if (config.missedPolicy === "skip") {
    return { action: "skip", covers, plan: planAfter(config, run.n, firstClaimMs) };
  }
  return { action: "fire", trigger: "recovery", covers, plan: planAfter(config, run.n + 1, firstClaimMs) };
}

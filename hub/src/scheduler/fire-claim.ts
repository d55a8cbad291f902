import type { ScheduleFire } from "@cc2cc/shared";
import { nowIso } from "../core/hub-context.js";
import { sendFire, TransientFireError } from "./fire-send.js";
import { decide } from "./schedule-plan.js";
import { fireMessageId, toSchedule } from "./schedule-record.js";
import type { Claim } from "./schedule-store.js";
import type { SchedulerDeps, SchedulerOptions } from "./scheduler.js";

/** The store's clock at the claim, and this process's clock then, to date a fire in store time. */
export interface ClaimClock {
  claimNowMs: number;
  localAtClaim: number;
}

/**
 * One claimed fire: decide (expiry, fire count, missed), send or not, complete with the claim's
 * token. Never throws: a failure leaves the lease to lapse, and the next claimer retries the
 * same planned fire with the same message id.
 */
export async function fireClaim(
  claim: Claim,
  clock: ClaimClock,
  deps: SchedulerDeps,
  opts: Pick<SchedulerOptions, "replica" | "graceMs" | "failpoint">,
  hang: () => Promise<never>,
): Promise<void> {
  const { store, messaging, fanout, metrics, logger } = deps;
  const { replica } = opts;
  const storeNow = () => clock.claimNowMs + (Date.now() - clock.localAtClaim);
  try {
    const decision = decide(claim, opts.graceMs);
    const base = { scheduleId: claim.id, plannedAt: new Date(claim.plannedMs).toISOString(), replica };
    let fire: ScheduleFire | undefined;
    if (decision.action === "fire") {
      const messageId = fireMessageId(claim.id, claim.plannedMs);
      const sent = await sendFire(messaging, claim.config, messageId);
      const firedMs = storeNow();
      if (decision.trigger === "schedule") metrics.scheduleLag.observe((firedMs - claim.plannedMs) / 1000);
      fire = {
        ...base,
        firedAt: new Date(firedMs).toISOString(),
        trigger: decision.trigger,
        covers: decision.covers,
        messageId,
        ...sent,
      };
      if (opts.failpoint === "hang-after-send") await hang();
    } else if (decision.action === "skip") {
      const firedAt = new Date(storeNow()).toISOString();
      fire = { ...base, firedAt, outcome: "missed", trigger: "schedule", covers: decision.covers };
    }
    const applied = await store.complete({
      id: claim.id,
      token: claim.token,
      ...(fire ? { fire } : {}),
      counts: decision.action === "fire",
      plan: decision.plan,
    });
    if (!applied) {
      logger.info(
        { scheduleId: claim.id, attempt: claim.attempt },
        "schedule fire completed by another holder",
      );
      return;
    }
    if (fire) {
      metrics.scheduleFires.inc({ outcome: fire.outcome, trigger: fire.trigger });
      fanout.event({ type: "schedule:fired", at: nowIso(), replica, fire });
    }
    const after = await store.get(claim.id);
    if (after) fanout.event({ type: "schedule:updated", at: nowIso(), replica, schedule: toSchedule(after) });
  } catch (err) {
    const level = err instanceof TransientFireError ? "warn" : "error";
    logger[level]({ err: String(err), scheduleId: claim.id }, "schedule fire left to its lease");
  }
}

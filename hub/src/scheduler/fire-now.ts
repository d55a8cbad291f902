import { setTimeout as sleep } from "node:timers/promises";
import { Cc2ccError, type ScheduleFire } from "@cc2cc/shared";
import { v7 as uuidv7 } from "uuid";
import type { HubConfig } from "../config.js";
import type { Messaging } from "../core/messaging.js";
import { sendFire, TransientFireError } from "./fire-send.js";
import type { ScheduleStore, StoredSchedule } from "./schedule-store.js";

/** A planned fire holds its schedule for milliseconds; a fire now waits that out, not longer. */
const BUSY_WAIT_MS = 2000;
const BUSY_RETRY_MS = 50;

type FireNowDeps = {
  store: ScheduleStore;
  messaging: Messaging;
  config: Pick<HubConfig, "replica" | "scheduleLeaseMs">;
};

/**
 * "Fire now" from the API: a fire outside the plan, with a fresh message id (it is not a
 * planned fire, so nothing else can ever retry it). It holds the schedule as a claim would
 * (`ScheduleStore.hold`) from before the send until the fire is recorded and counted, so a
 * planned fire cannot run alongside it and pass maxFireCount.
 */
export async function fireNow(
  deps: FireNowDeps,
  s: StoredSchedule,
): Promise<{ fire: ScheduleFire; after: StoredSchedule }> {
  const { store, messaging, config } = deps;
  const id = s.config.id;
  // The hold refuses a completed or expired schedule, atomically with taking it.
  const token = `${config.replica}:now:${uuidv7()}`;
  const held = await holdWhenFree(deps, id, token);
  const plan = { state: held.run.st, ...(held.run.next !== undefined ? { nextMs: held.run.next } : {}) };
  const nowMs = await store.now();
  const started = Date.now();
  const messageId = uuidv7();
  let sent: Awaited<ReturnType<typeof sendFire>>;
  try {
    sent = await sendFire(messaging, held.config, messageId);
  } catch (err) {
    await store.complete({ id, token, counts: false, plan }).catch(() => {}); // else it lapses
    if (err instanceof TransientFireError) throw new Cc2ccError("ENGINE_UNAVAILABLE", err.message);
    throw err;
  }
  const fire: ScheduleFire = {
    scheduleId: id,
    plannedAt: new Date(nowMs).toISOString(),
    firedAt: new Date(nowMs + Date.now() - started).toISOString(),
    trigger: "manual",
    covers: 1,
    messageId,
    replica: config.replica,
    ...sent,
  };
  // The hold is gone only if the send outlasted the lease: the fire still counts.
  if (!(await store.complete({ id, token, fire, counts: true, plan }))) await store.recordFire(id, fire);
  const after = await store.get(id);
  if (!after) throw new Cc2ccError("NOT_FOUND", `schedule ${id} was deleted while it fired`);
  return { fire, after };
}

async function holdWhenFree(deps: FireNowDeps, id: string, token: string): Promise<StoredSchedule> {
  const until = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      return await deps.store.hold(id, {
        token,
        leaseMs: deps.config.scheduleLeaseMs,
        replica: deps.config.replica,
      });
    } catch (err) {
      const busy = err instanceof Cc2ccError && err.details?.firing === true;
      if (!busy || Date.now() >= until) throw err;
      await sleep(BUSY_RETRY_MS);
    }
  }
}

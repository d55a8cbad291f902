import { Cc2ccError, type ScheduleFire } from "@cc2cc/shared";
import { v7 as uuidv7 } from "uuid";
import type { HubConfig } from "../config.js";
import type { Messaging } from "../core/messaging.js";
import { sendFire, TransientFireError } from "./fire-send.js";
import type { ScheduleStore, StoredSchedule } from "./schedule-store.js";

/**
 * "Fire now" from the API: a fire outside the plan, with a fresh message id (it is not a
 * planned fire, so nothing else can ever retry it), recorded and counted by the store.
 */
export async function fireNow(
  deps: { store: ScheduleStore; messaging: Messaging; config: Pick<HubConfig, "replica"> },
  s: StoredSchedule,
): Promise<{ fire: ScheduleFire; after: StoredSchedule }> {
  const { store, messaging, config } = deps;
  const id = s.config.id;
  if (s.run.st === "completed" || s.run.st === "expired") {
    throw new Cc2ccError(
      "CONFLICT",
      `schedule ${id} is ${s.run.st}; raise maxFireCount or move expiresAt to fire it again`,
    );
  }
  const nowMs = await store.now();
  const started = Date.now();
  const messageId = uuidv7();
  let sent: Awaited<ReturnType<typeof sendFire>>;
  try {
    sent = await sendFire(messaging, s.config, messageId);
  } catch (err) {
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
  return { fire, after: await store.recordFire(id, fire) };
}

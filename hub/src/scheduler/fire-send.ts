import { Cc2ccError, type ScheduleFire, schedulerIdentity } from "@cc2cc/shared";
import type { Messaging } from "../core/messaging.js";
import type { ScheduleConfig } from "./schedule-store.js";

/** Errors that mean "try again later" rather than "this fire was refused". */
const TRANSIENT = new Set(["ENGINE_UNAVAILABLE", "SHUTTING_DOWN"]);

export class TransientFireError extends Error {}

export type SendOutcome = Pick<ScheduleFire, "outcome" | "recipients" | "error">;

/**
 * Send one fire through the normal delivery path, from the schedule's reserved identity. A
 * refusal (rate limit, full queue, unknown recipient, missing topic...) is an outcome to
 * record; a store outage throws TransientFireError so the claim lapses and is retried.
 */
export async function sendFire(
  messaging: Messaging,
  c: ScheduleConfig,
  messageId: string,
): Promise<SendOutcome> {
  try {
    const result = await messaging.send(
      schedulerIdentity(c.id),
      {
        to: c.target,
        type: c.messageType,
        content: c.content,
        metadata: { ...(c.metadata ?? {}), scheduleId: c.id, scheduleName: c.name },
        ...(c.persistent !== undefined ? { persistent: c.persistent } : {}),
      },
      { messageId },
    );
    return { outcome: "sent", recipients: result.recipients.length + (result.liveRecipients ?? 0) };
  } catch (err) {
    if (err instanceof Cc2ccError && TRANSIENT.has(err.code)) throw new TransientFireError(err.message);
    const error =
      err instanceof Cc2ccError
        ? { code: err.code, message: err.message }
        : { code: "INTERNAL", message: String(err) };
    return { outcome: "refused", error };
  }
}

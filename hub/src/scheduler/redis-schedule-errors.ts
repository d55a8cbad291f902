import { Cc2ccError } from "@cc2cc/shared";

/**
 * The one table of schedule script failure codes (the engine's pattern, own numbers). Scripts
 * check before they write, so a failure code means nothing changed. The Lua side gets the same
 * table as `ERR` in its prelude, generated from this object.
 */
export const SCHEDULE_SCRIPT_ERRORS = {
  NOT_FOUND: -1,
  /** The run state's version moved since the caller read it. */
  STALE: -2,
  /** At the configured maximum number of schedules. */
  FULL: -3,
  /** The id exists already. */
  EXISTS: -4,
  /** A claim or a hold is out: a fire of this schedule is in progress. */
  BUSY: -5,
  /** Completed or expired: nothing fires any more. */
  ENDED: -6,
} as const;

export type ScheduleScriptError = keyof typeof SCHEDULE_SCRIPT_ERRORS;

export function scheduleLuaErrorTable(): string {
  const fields = Object.entries(SCHEDULE_SCRIPT_ERRORS).map(([code, n]) => `${code} = ${n}`);
  return `local ERR = { ${fields.join(", ")} }\n`;
}

const BY_NUMBER = new Map<number, ScheduleScriptError>(
  Object.entries(SCHEDULE_SCRIPT_ERRORS).map(([code, n]) => [n, code as ScheduleScriptError]),
);

/** The Cc2ccError a code stands for; both stores throw these, so callers see one behaviour. */
export function scheduleError(code: ScheduleScriptError, id: string, maxSchedules?: number): Cc2ccError {
  switch (code) {
    case "NOT_FOUND":
      return new Cc2ccError("NOT_FOUND", `schedule ${id} does not exist`, { field: "scheduleId" });
    case "STALE":
      return new Cc2ccError("CONFLICT", `schedule ${id} changed while this update was prepared; retry`);
    case "FULL":
      return new Cc2ccError(
        "CONFLICT",
        `the hub holds its maximum of ${maxSchedules} schedules (CC2CC_SCHEDULE_MAX); delete some first`,
        { details: { maxSchedules } },
      );
    case "EXISTS":
      return new Cc2ccError("CONFLICT", `schedule ${id} exists already`);
    case "BUSY":
      return new Cc2ccError("CONFLICT", `a fire of schedule ${id} is in progress; try again in a moment`, {
        details: { firing: true },
      });
    case "ENDED":
      return new Cc2ccError(
        "CONFLICT",
        `schedule ${id} has completed or expired; raise maxFireCount or move expiresAt to fire it again`,
      );
  }
}

/** Throws the mapped error when a script answered with a failure code. */
export function checkScheduleReply<T>(reply: T, id: string, maxSchedules?: number): T {
  if (typeof reply === "number" && reply < 0) {
    const code = BY_NUMBER.get(reply);
    if (code) throw scheduleError(code, id, maxSchedules);
    throw new Cc2ccError("INTERNAL", `unexpected schedule script reply ${reply} for ${id}`);
  }
  return reply;
}

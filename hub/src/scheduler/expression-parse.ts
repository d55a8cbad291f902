import { Cc2ccError } from "@cc2cc/shared";
import { Cron } from "croner";

export type IntervalUnit = "m" | "h" | "d" | "w";

/** A parsed schedule expression; every accepted text means exactly one of these. */
export type Expression =
  | { kind: "cron"; pattern: string }
  /** A fixed period counted from the schedule's anchor: `every 2d` is exactly 48 h. */
  | { kind: "every"; n: number; unit: IntervalUnit; periodMs: number }
  /** Every n-th calendar day (or week) at a wall time in the zone. */
  | { kind: "calendar"; n: number; unit: "d" | "w"; hour: number; minute: number }
  | { kind: "in"; n: number; unit: Exclude<IntervalUnit, "w">; delayMs: number }
  | { kind: "at"; atMs: number };

export const UNIT_MS: Record<IntervalUnit, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Longest period or delay accepted: five years of minutes stays far inside safe integers. */
const MAX_SPAN_MS = 5 * 366 * UNIT_MS.d;

export const ACCEPTED_FORMS =
  'accepted: a 5-field cron "m h dom mon dow" (e.g. "0 9 * * 1-5"), "every <n><m|h|d|w>" ' +
  '(e.g. "every 90m"), "every <n><d|w> at HH:MM" (e.g. "every 2d at 09:00"), "in <n><m|h|d>" ' +
  '(one shot, e.g. "in 10m") or "at <ISO-8601 instant with offset>" (one shot, e.g. ' +
  '"at 2030-01-02T09:00:00Z"); at least one minute between fires';

function refuse(why: string): Cc2ccError {
  return new Cc2ccError("VALIDATION", `expression: ${why}; ${ACCEPTED_FORMS}`, { field: "expression" });
}

function count(digits: string, unit: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n < 1) throw refuse(`"${digits}${unit}" must be at least 1${unit}`);
  if (n * UNIT_MS[unit as IntervalUnit] > MAX_SPAN_MS)
    throw refuse(`"${digits}${unit}" is longer than five years`);
  return n;
}

const EVERY = /^every\s+(\d{1,9})\s*([mhdw])$/i;
const CALENDAR = /^every\s+(\d{1,9})\s*([dw])\s+at\s+(\d{1,2}):(\d{2})$/i;
const IN = /^in\s+(\d{1,9})\s*([mhd])$/i;
const AT = /^at\s+(\S+)$/i;
const SUB_MINUTE = /^(every|in)\s+\d+\s*(s|sec|secs|seconds?|ms)$/i;
// An ISO-8601 instant: a date, a time and an explicit offset, so it names one moment anywhere.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const CRON_FIELD = /^[0-9A-Za-z*,/?#+-]+$/;

/** Parse or throw VALIDATION (field `expression`) naming the accepted forms. */
export function parseExpression(raw: string): Expression {
  const text = raw.trim().replace(/\s+/g, " ");
  if (SUB_MINUTE.test(text)) throw refuse(`"${text}" is shorter than the minimum interval of one minute`);
  const calendar = CALENDAR.exec(text);
  if (calendar) {
    const unit = calendar[2]!.toLowerCase() as "d" | "w";
    const hour = Number(calendar[3]);
    const minute = Number(calendar[4]);
    if (hour > 23 || minute > 59) {
      throw refuse(`"${calendar[3]}:${calendar[4]}" is not a time of day (00:00-23:59)`);
    }
    return { kind: "calendar", n: count(calendar[1]!, unit), unit, hour, minute };
  }
  const every = EVERY.exec(text);
  if (every) {
    const unit = every[2]!.toLowerCase() as IntervalUnit;
    const n = count(every[1]!, unit);
    return { kind: "every", n, unit, periodMs: n * UNIT_MS[unit] };
  }
  const once = IN.exec(text);
  if (once) {
    const unit = once[2]!.toLowerCase() as "m" | "h" | "d";
    const n = count(once[1]!, unit);
    return { kind: "in", n, unit, delayMs: n * UNIT_MS[unit] };
  }
  const at = AT.exec(text);
  if (at) {
    const atMs = ISO_INSTANT.test(at[1]!) ? Date.parse(at[1]!) : Number.NaN;
    if (!Number.isFinite(atMs)) throw refuse(`"${at[1]}" is not an ISO-8601 instant with an offset`);
    return { kind: "at", atMs };
  }
  return parseCron(text);
}

function parseCron(text: string): Expression {
  const fields = text.split(" ");
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
    throw refuse(`"${text}" is not one of the accepted forms`);
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true, mode: "5-part", timezone: "UTC" });
  } catch (err) {
    throw refuse(
      `"${text}" is not a valid cron pattern (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  // A pattern such as "0 0 30 2 *" parses but never matches a date.
  if (cron.nextRun(new Date(0)) === null) throw refuse(`"${text}" never fires`);
  return { kind: "cron", pattern: text };
}

/** An IANA zone the runtime knows, or VALIDATION naming `field`. */
export function checkTimeZone(tz: string, field = "timezone"): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    throw new Cc2ccError(
      "VALIDATION",
      `${field}: "${tz}" is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)`,
      { field },
    );
  }
}

/** The kind the wire contract shows. */
export function publicKind(e: Expression): "cron" | "interval" | "once" {
  if (e.kind === "cron") return "cron";
  return e.kind === "in" || e.kind === "at" ? "once" : "interval";
}

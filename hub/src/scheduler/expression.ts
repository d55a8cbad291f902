import { createRequire } from "node:module";
import { DateTime } from "luxon";
import type { Expression, IntervalUnit } from "./expression-parse.js";

export {
  ACCEPTED_FORMS,
  checkTimeZone,
  type Expression,
  parseExpression,
  publicKind,
} from "./expression-parse.js";
export { countFires, nextFire, nextFires, wallTimeToInstant } from "./expression-times.js";

/**
 * cronstrue (its locale tables) adds ≈ 8 MiB to every replica's idle RSS; it is loaded on the
 * first cron description instead, so a hub without cron schedules never pays for it.
 */
const requireLazily = createRequire(import.meta.url);
let cronstrue: typeof import("cronstrue").default | undefined;
function cronToEnglish(pattern: string): string {
  cronstrue ??= requireLazily("cronstrue") as typeof import("cronstrue").default;
  return cronstrue.toString(pattern, { use24HourTimeFormat: true });
}

const UNIT_WORD: Record<IntervalUnit, string> = { m: "minute", h: "hour", d: "day", w: "week" };

function amount(n: number, unit: IntervalUnit): string {
  return `${n} ${UNIT_WORD[unit]}${n === 1 ? "" : "s"}`;
}

function hhmm(hour: number, minute: number): string {
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/**
 * Plain English for people (the dashboard, list_schedules). `anchorMs` is the schedule's
 * anchor: it fixes the weekday of `every 2w at …` and the instant of `in 10m`.
 */
export function describe(e: Expression, zone: string, anchorMs: number): string {
  switch (e.kind) {
    case "cron":
      return `${cronToEnglish(e.pattern)} (${zone})`;
    case "every": {
      const exact = e.unit === "d" || e.unit === "w" ? ` (exactly ${e.periodMs / 3_600_000} h apart)` : "";
      return `every ${amount(e.n, e.unit)}${exact}, counted from ${new Date(anchorMs).toISOString()}`;
    }
    case "calendar": {
      const at = `at ${hhmm(e.hour, e.minute)} (${zone})`;
      if (e.unit === "d") return e.n === 1 ? `every day ${at}` : `every ${amount(e.n, "d")} ${at}`;
      const weekday = DateTime.fromMillis(anchorMs, { zone }).setLocale("en-US").weekdayLong;
      return `${e.n === 1 ? "every week" : `every ${amount(e.n, "w")}`} on ${weekday} ${at}`;
    }
    case "in":
      return `once, ${amount(e.n, e.unit)} after ${new Date(anchorMs).toISOString()} (at ${new Date(anchorMs + e.delayMs).toISOString()})`;
    case "at":
      return `once, at ${new Date(e.atMs).toISOString()}`;
  }
}

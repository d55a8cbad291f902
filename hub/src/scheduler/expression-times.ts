import { Cron } from "croner";
import { DateTime, IANAZone } from "luxon";
import type { Expression } from "./expression-parse.js";

/**
 * The instant of a wall time in a zone, with cron's DST rules so that both kinds of expression
 * agree: a wall time that occurs twice (fall back) is the first occurrence, and one that does
 * not exist (spring forward) is the first valid instant after the gap. luxon does the zone
 * arithmetic; we only pick among the instants it offers.
 */
export function wallTimeToInstant(
  zone: string,
  date: { year: number; month: number; day: number },
  hour: number,
  minute: number,
): number {
  const dt = DateTime.fromObject({ ...date, hour, minute }, { zone });
  if (dt.hour === hour && dt.minute === minute) {
    return Math.min(...dt.getPossibleOffsets().map((d) => d.toMillis()));
  }
  // In a gap luxon moved the wall time forward by the gap's length; the gap ends at the offset
  // change, somewhere in the three hours before that instant.
  const iana = IANAZone.create(zone);
  const after = iana.offset(dt.toMillis());
  let lo = dt.toMillis() - 3 * 3_600_000;
  let hi = dt.toMillis();
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (iana.offset(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

const DAY_MS = 86_400_000;

function calendarFires(
  e: Extract<Expression, { kind: "calendar" }>,
  zone: string,
  anchorMs: number,
  afterMs: number,
  n: number,
): number[] {
  const stepDays = e.n * (e.unit === "w" ? 7 : 1);
  const start = DateTime.fromMillis(anchorMs, { zone }).startOf("day");
  const from = Math.max(afterMs, anchorMs);
  // Jump close to `from` (a day or two early, DST and offsets aside), then walk.
  let k = Math.max(0, Math.floor((from - anchorMs) / (stepDays * DAY_MS)) - 1);
  const out: number[] = [];
  while (out.length < n) {
    const day = start.plus({ days: k * stepDays });
    const t = wallTimeToInstant(zone, { year: day.year, month: day.month, day: day.day }, e.hour, e.minute);
    if (t > from) out.push(t);
    k++;
  }
  return out;
}

/**
 * The next `n` fire instants (epoch ms) strictly after `afterMs`. `anchorMs` is when the
 * schedule started counting (its creation, or the update that changed its expression): fixed
 * periods, calendar steps and `in` delays count from it, and no fire is ever at or before it.
 */
export function nextFires(
  e: Expression,
  zone: string,
  anchorMs: number,
  afterMs: number,
  n: number,
): number[] {
  switch (e.kind) {
    case "cron": {
      const cron = new Cron(e.pattern, {
        paused: true,
        mode: "5-part",
        timezone: zone,
        // Lists and ranges of fixed times (`30 2,14 * * *`) also fire once after a DST gap.
        fixedTimeRule: "no-wildcard",
      });
      return cron.nextRuns(n, new Date(Math.max(afterMs, anchorMs))).map((d) => d.getTime());
    }
    case "every": {
      const from = Math.max(afterMs, anchorMs);
      const k = Math.floor((from - anchorMs) / e.periodMs) + 1;
      return Array.from({ length: n }, (_, i) => anchorMs + (k + i) * e.periodMs);
    }
    case "calendar":
      return calendarFires(e, zone, anchorMs, afterMs, n);
    case "in":
      return anchorMs + e.delayMs > afterMs && n > 0 ? [anchorMs + e.delayMs] : [];
    case "at":
      return e.atMs > afterMs && e.atMs > anchorMs && n > 0 ? [e.atMs] : [];
  }
}

/** The first fire strictly after `afterMs`, or null when there is none (a one-shot done). */
export function nextFire(e: Expression, zone: string, anchorMs: number, afterMs: number): number | null {
  return nextFires(e, zone, anchorMs, afterMs, 1)[0] ?? null;
}

/**
 * How many planned fires fall in [fromMs, toMs): what a missed-fire record covers. Stops
 * counting at `cap` (a month of a per-minute schedule is 43 200).
 */
export function countFires(
  e: Expression,
  zone: string,
  anchorMs: number,
  fromMs: number,
  toMs: number,
  cap = 100_000,
): number {
  if (toMs <= fromMs) return 0;
  if (e.kind === "every") {
    const first = nextFire(e, zone, anchorMs, fromMs - 1);
    if (first === null || first >= toMs) return 0;
    return Math.min(cap, Math.floor((toMs - 1 - first) / e.periodMs) + 1);
  }
  let counted = 0;
  let after = fromMs - 1;
  while (counted < cap) {
    const batch = nextFires(e, zone, anchorMs, after, Math.min(500, cap - counted));
    for (const t of batch) {
      if (t >= toMs) return counted;
      counted++;
    }
    if (batch.length === 0) return counted;
    after = batch.at(-1)!;
  }
  return counted;
}

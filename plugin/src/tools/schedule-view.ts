import { Cc2ccError, type ErrorCode, type Schedule, type ScheduleFire } from "@cc2cc/shared";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { failure } from "./result.js";

/** "2030-01-01 10:00 Europe/Berlin (in 3 h 12 min)": a fire time as a model reads it best. */
export function whenText(iso: string, timezone: string, now = Date.now()): string {
  const at = Date.parse(iso);
  let local: string;
  try {
    local = new Intl.DateTimeFormat("sv-SE", {
      timeZone: timezone,
      dateStyle: "short",
      timeStyle: "short",
    }).format(at);
  } catch {
    local = iso;
  }
  const ms = at - now;
  return `${local} ${timezone} (${ms >= 0 ? `in ${span(ms)}` : `${span(-ms)} ago`})`;
}

function span(ms: number): string {
  if (ms < 59_500) return `${Math.round(ms / 1000)} s`;
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** One line per schedule: what it sends, to whom, when next. */
export function scheduleLine(s: Schedule, now = Date.now()): string {
  const next = s.nextFireAt ? `next ${whenText(s.nextFireAt, s.timezone, now)}` : "no next fire";
  const count = `fired ${s.fireCount}${s.maxFireCount !== undefined ? ` of at most ${s.maxFireCount}` : ""} time(s)`;
  return `${s.id} "${s.name}": ${s.description} [${s.expression}] → ${s.target} (${s.messageType}); ${s.state}, ${next}, ${count}`;
}

/** A schedule as tools return it, with the readable next fire beside the ISO one. */
export function scheduleView(s: Schedule, now = Date.now()): Record<string, unknown> {
  return {
    ...s,
    ...(s.nextFireAt ? { nextFire: whenText(s.nextFireAt, s.timezone, now) } : {}),
  };
}

export function fireLine(f: ScheduleFire): string {
  const who = f.recipients !== undefined ? `, ${f.recipients} recipient(s)` : "";
  const why = f.error ? `: ${f.error.code} ${f.error.message}` : "";
  const covers = f.covers > 1 ? ` (covers ${f.covers} planned fires)` : "";
  return `${f.firedAt} ${f.trigger} fire planned ${f.plannedAt}: ${f.outcome}${who}${why}${covers}`;
}

const SCHEDULE_HINTS: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: "No schedule has that id (deleted, or mistyped); list_schedules shows the ids.",
  FORBIDDEN:
    "Only sessions of the address (user@host:project) that created a schedule may change or delete it; " +
    "ask its creator (createdBy in get_schedule) instead.",
};

/** runTool with hints that speak about schedules instead of messages and topics. */
export async function runScheduleTool(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    const result = failure(err);
    const hint = err instanceof Cc2ccError ? SCHEDULE_HINTS[err.code] : undefined;
    if (!hint || !(err instanceof Cc2ccError)) return result;
    const body = (result.structuredContent as { error: Record<string, unknown> }).error;
    return {
      ...result,
      content: [{ type: "text", text: `${err.code}: ${err.message}\n${hint}` }],
      structuredContent: { error: { ...body, hint } },
    };
  }
}

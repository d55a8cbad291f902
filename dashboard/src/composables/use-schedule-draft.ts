import type {
  CreateScheduleBody,
  MessageType,
  MissedPolicy,
  Schedule,
  UpdateScheduleBody,
} from "@cc2cc/shared";
import { ApiError } from "../lib/api";

/** The create/edit form as the operator types it: strings where inputs give strings. */
export interface ScheduleDraft {
  name: string;
  expression: string;
  /** Empty: the hub's zone. */
  timezone: string;
  target: string;
  messageType: MessageType;
  content: string;
  persistent: boolean;
  /** A JSON object of flat values, or empty. */
  metadata: string;
  /** A positive integer, or empty for no limit. */
  maxFireCount: string;
  /** `<input type="datetime-local">` value (browser's local time), or empty. */
  expiresAt: string;
  missedPolicy: MissedPolicy;
  enabled: boolean;
}

export function emptyDraft(): ScheduleDraft {
  return {
    name: "",
    expression: "",
    timezone: "",
    target: "",
    messageType: "task",
    content: "",
    persistent: false,
    metadata: "",
    maxFireCount: "",
    expiresAt: "",
    missedPolicy: "fire_once",
    enabled: true,
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** ISO instant → `YYYY-MM-DDTHH:MM` in the browser's zone, as datetime-local inputs want it. */
export function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function draftOf(s: Schedule): ScheduleDraft {
  return {
    name: s.name,
    expression: s.expression,
    timezone: s.timezone,
    target: s.target,
    messageType: s.messageType,
    content: s.content,
    persistent: s.persistent ?? false,
    metadata: s.metadata ? JSON.stringify(s.metadata) : "",
    maxFireCount: s.maxFireCount !== undefined ? String(s.maxFireCount) : "",
    expiresAt: s.expiresAt ? isoToLocalInput(s.expiresAt) : "",
    missedPolicy: s.missedPolicy,
    enabled: s.enabled,
  };
}

const invalid = (field: string, message: string) => new ApiError("VALIDATION", message, 0, field);

/** The typed values of the optional fields, or a VALIDATION error naming the field. */
function optionals(d: ScheduleDraft) {
  let metadata: Record<string, string | number | boolean | null> | undefined;
  if (d.metadata.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(d.metadata);
    } catch {
      throw invalid("metadata", 'must be a JSON object such as {"team": "api"}');
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw invalid("metadata", 'must be a JSON object such as {"team": "api"}');
    metadata = parsed as typeof metadata;
  }
  let maxFireCount: number | undefined;
  if (d.maxFireCount.trim() !== "") {
    maxFireCount = Number(d.maxFireCount);
    if (!Number.isInteger(maxFireCount) || maxFireCount < 1)
      throw invalid("maxFireCount", "must be a whole number of at least 1");
  }
  let expiresAt: string | undefined;
  if (d.expiresAt !== "") {
    const ms = new Date(d.expiresAt).getTime();
    if (Number.isNaN(ms)) throw invalid("expiresAt", "must be a date and time");
    expiresAt = new Date(ms).toISOString();
  }
  const timezone = d.timezone.trim() || undefined;
  const persistent = d.target.trim().startsWith("topic:") ? d.persistent : undefined;
  return { metadata, maxFireCount, expiresAt, timezone, persistent };
}

/** POST /api/schedules body; optional fields left out when empty. */
export function createBody(d: ScheduleDraft): CreateScheduleBody {
  const o = optionals(d);
  const body: CreateScheduleBody = {
    name: d.name.trim(),
    expression: d.expression.trim(),
    target: d.target.trim(),
    messageType: d.messageType,
    content: d.content,
    missedPolicy: d.missedPolicy,
    enabled: d.enabled,
  };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) Object.assign(body, { [k]: v });
  return body;
}

/** PATCH body: only what changed against `s`; an optional field emptied in the form is null. */
export function updateBody(d: ScheduleDraft, s: Schedule): UpdateScheduleBody {
  const next = createBody(d);
  const body: UpdateScheduleBody = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  for (const k of [
    "name",
    "expression",
    "target",
    "messageType",
    "content",
    "missedPolicy",
    "enabled",
  ] as const)
    if (!same(next[k], s[k])) Object.assign(body, { [k]: next[k] });
  for (const k of ["timezone", "persistent", "metadata", "maxFireCount", "expiresAt"] as const) {
    // An empty time zone means "the hub's": leave the resolved one alone unless it was typed.
    if (k === "timezone" && next.timezone === undefined) continue;
    if (k === "expiresAt" && next.expiresAt && s.expiresAt && isoToLocalInput(s.expiresAt) === d.expiresAt)
      continue;
    if (!same(next[k], s[k])) Object.assign(body, { [k]: next[k] ?? null });
  }
  return body;
}

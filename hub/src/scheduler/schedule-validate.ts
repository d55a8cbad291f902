import {
  Cc2ccError,
  type CreateScheduleBody,
  type Metadata,
  MetadataSchema,
  utf8Length,
} from "@cc2cc/shared";
import { checkTimeZone, type Expression, parseExpression } from "./expression.js";

/** Checks the schemas cannot make: the grammar, the zone, the hub's limits, the reserved keys. */
export interface Validated {
  expression: Expression;
  timezone: string;
}

export function validateTiming(expression: string, timezone: string, nowMs: number): Validated {
  const parsed = parseExpression(expression);
  const zone = checkTimeZone(timezone);
  if (parsed.kind === "at" && parsed.atMs <= nowMs) {
    throw new Cc2ccError("VALIDATION", `expression: ${new Date(parsed.atMs).toISOString()} is in the past`, {
      field: "expression",
    });
  }
  return { expression: parsed, timezone: zone };
}

export function validateContent(content: string, maxContentBytes: number): void {
  if (utf8Length(content) > maxContentBytes) {
    throw new Cc2ccError("VALIDATION", `content: must be at most ${maxContentBytes} bytes`, {
      field: "content",
    });
  }
}

/** Fired messages add `scheduleId` and `scheduleName`; the result must still be valid metadata. */
export function validateMetadata(metadata: Metadata | undefined, id: string, name: string): void {
  if (metadata === undefined) return;
  const result = MetadataSchema.safeParse({ ...metadata, scheduleId: id, scheduleName: name });
  if (!result.success) {
    throw new Cc2ccError(
      "VALIDATION",
      `metadata: with scheduleId and scheduleName added it breaks the metadata limits (${result.error.issues[0]?.message ?? "invalid"})`,
      { field: "metadata" },
    );
  }
}

export function validateExpiry(expiresAt: string | undefined, nowMs: number): void {
  if (expiresAt !== undefined && Date.parse(expiresAt) <= nowMs) {
    throw new Cc2ccError("VALIDATION", "expiresAt: is in the past", { field: "expiresAt" });
  }
}

export function validateCreate(
  body: CreateScheduleBody,
  id: string,
  zone: string,
  nowMs: number,
  maxContentBytes: number,
): Validated {
  const v = validateTiming(body.expression, zone, nowMs);
  validateContent(body.content, maxContentBytes);
  validateMetadata(body.metadata, id, body.name);
  validateExpiry(body.expiresAt, nowMs);
  return v;
}

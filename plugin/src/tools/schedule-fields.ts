import {
  AddressSchema,
  ContentSchema,
  MessageTypeSchema,
  MetadataSchema,
  MissedPolicySchema,
  SCHEDULE_LIMITS,
  ScheduleExpressionSchema,
  ScheduleIdSchema,
  ScheduleNameSchema,
  TimeZoneSchema,
} from "@cc2cc/shared";
import { z } from "zod";

/** What every schedule tool tells the model about expressions and where fires come from. */
export const EXPRESSION_HELP =
  "Expressions: a 5-field cron `m h dom mon dow` read in the schedule's time zone (e.g. `0 9 * * 1-5` = " +
  "weekdays 09:00); `every <n><m|h|d|w>` (a fixed period, e.g. `every 90m`); `every <n>d at HH:MM` or " +
  "`every <n>w at HH:MM` (calendar days in the zone, e.g. `every 2d at 09:00`); `in <n><m|h|d>` (once, " +
  "e.g. `in 10m`); `at <ISO-8601 instant>` (once). At least one minute between fires. Fired messages come " +
  "from `scheduler@hub:cc2cc/<scheduleId>` with scheduleId and scheduleName in their metadata.";

const nullable = "null clears it.";

/** Input fields of create_schedule; update_schedule makes them optional (and clearable). */
export const scheduleFields = {
  name: ScheduleNameSchema.describe(
    `Short human name (1-${SCHEDULE_LIMITS.nameMaxLength} characters), e.g. "daily stand-up"; it is in every fired message's metadata.`,
  ),
  expression: ScheduleExpressionSchema.describe(
    "When to fire: `0 9 * * 1-5` (cron), `every 90m`, `every 2d at 09:00`, `in 10m` or `at 2030-01-01T09:00:00Z`. " +
      "Minimum one minute between fires.",
  ),
  target: AddressSchema.describe(
    "Who receives each fire: a full instance id, a partial user@host:project (exactly one live session when it " +
      "fires), role:<name>, topic:<name> or broadcast.",
  ),
  messageType: MessageTypeSchema.describe(
    "Type of the fired message: task, question, result, ack or ping (a reminder to act is usually task).",
  ),
  content: ContentSchema.describe(
    "The message text sent at every fire. Self-contained: the recipient reads it with none of your context.",
  ),
  persistent: z
    .boolean()
    .optional()
    .describe("Only for topic: targets: true queues each fire for every subscriber, offline ones included."),
  metadata: MetadataSchema.optional().describe(
    "Optional flat data added to every fired message (scheduleId and scheduleName are added by the hub).",
  ),
  maxFireCount: z
    .number()
    .int()
    .min(1)
    .max(SCHEDULE_LIMITS.maxFireCountMax)
    .optional()
    .describe("Stop after this many fires (the schedule becomes completed). Default: no limit."),
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("ISO-8601 instant with offset after which it never fires again, e.g. 2030-01-31T18:00:00Z."),
  timezone: TimeZoneSchema.optional().describe(
    "IANA zone the expression is read in, e.g. Europe/Berlin. Default: the hub's zone (UTC unless configured).",
  ),
  missedPolicy: MissedPolicySchema.optional().describe(
    "Fires that fell due while the hub was down: fire_once (default: one catch-up fire) or skip (recorded as missed).",
  ),
};

export const scheduleIdField = ScheduleIdSchema.describe(
  "The schedule's id (sch_ + 32 hex digits), as create_schedule or list_schedules returned it.",
);

/** update_schedule: every field optional; the optional ones take null to clear them. */
export const updateFields = {
  name: scheduleFields.name.optional(),
  expression: scheduleFields.expression.optional(),
  target: scheduleFields.target.optional(),
  messageType: scheduleFields.messageType.optional(),
  content: scheduleFields.content.optional(),
  persistent: z
    .boolean()
    .nullable()
    .optional()
    .describe(`Topic targets: queue for offline subscribers. ${nullable}`),
  metadata: MetadataSchema.nullable().optional().describe(`Flat data added to every fire. ${nullable}`),
  maxFireCount: z
    .number()
    .int()
    .min(1)
    .max(SCHEDULE_LIMITS.maxFireCountMax)
    .nullable()
    .optional()
    .describe(`Stop after this many fires in total. ${nullable}`),
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe(`ISO-8601 instant after which it never fires. ${nullable}`),
  timezone: TimeZoneSchema.nullable().optional().describe(`IANA zone for the expression. ${nullable}`),
  missedPolicy: scheduleFields.missedPolicy,
  enabled: z
    .boolean()
    .optional()
    .describe("false pauses the schedule, true resumes it (re-planned from now)."),
};

/** Copies the fields that are set (null included: it clears); undefined ones are left out. */
export function definedOnly<T extends Record<string, unknown>>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<T>;
}

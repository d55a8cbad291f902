import { z } from "zod";
import { AddressSchema, InstanceIdSchema, MessageIdSchema } from "./ids.js";
import { ContentSchema, MessageTypeSchema, MetadataSchema } from "./message.js";

/**
 * Scheduled messages. A schedule fires its message through the normal delivery path, from the
 * reserved identity `scheduler@hub:cc2cc/<scheduleId>`, with `scheduleId` and `scheduleName` in
 * the message's metadata. Each due fire is claimed atomically in the store, so with any number
 * of replicas each fire happens once; the message id of a fire is derived from
 * (scheduleId, planned fire time), so a fire retried after a replica died mid-fire carries the
 * same id and the queue and the plugin's dedup set absorb it.
 *
 * Expressions (`expression`):
 * - 5-field cron (`m h dom mon dow`), read in the schedule's `timezone` (IANA; the hub's
 *   `CC2CC_SCHEDULE_TIMEZONE`, UTC by default, when omitted);
 * - `every <n><m|h|d|w>` (a fixed period from the schedule's anchor), optionally
 *   `every <n>d at HH:MM` / `every <n>w at HH:MM` (calendar days in the time zone, DST-aware);
 * - `in <n><m|h|d>` (one shot, from creation), or `at <ISO-8601 instant>` (one shot).
 * The minimum interval between fires is one minute. Anything else is refused with
 * `VALIDATION` naming the accepted forms.
 */
export const SCHEDULE_LIMITS = {
  nameMaxLength: 100,
  expressionMaxLength: 200,
  /** Fires kept per schedule in its history (newest first). */
  historyMax: 100,
  /** Upper bound of `maxFireCount`. */
  maxFireCountMax: 1_000_000,
  /** Preview size. */
  previewMax: 20,
} as const;

/** `scheduler@hub:cc2cc/<scheduleId>`: the reserved identity fired messages come from. */
export const SCHEDULER_USERNAME = "scheduler";
export function schedulerIdentity(scheduleId: string): string {
  return `${SCHEDULER_USERNAME}@hub:cc2cc/${scheduleId}`;
}

/** Schedule ids: `sch_` + a UUIDv7 without dashes; valid as an instance id's session part. */
export const ScheduleIdSchema = z
  .string()
  .regex(/^sch_[0-9a-f]{32}$/, "must look like sch_ followed by 32 hex digits");

export const ScheduleNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(SCHEDULE_LIMITS.nameMaxLength);
export const ScheduleExpressionSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(SCHEDULE_LIMITS.expressionMaxLength);
/** IANA time zone name, checked by the hub against its Intl database. */
export const TimeZoneSchema = z.string().min(1).max(64);

/** What to do with fires that fell due while no replica was running. */
export const MissedPolicySchema = z.enum([
  /** Fire once on recovery for all the fires missed, then continue on schedule. */
  "fire_once",
  /** Skip them (recorded in the history as `missed`), continue on schedule. */
  "skip",
]);
export type MissedPolicy = z.infer<typeof MissedPolicySchema>;

export const ScheduleStateSchema = z.enum([
  "active",
  "paused",
  /** Reached `maxFireCount`, or a one-shot that fired. */
  "completed",
  /** Past `expiresAt`. */
  "expired",
]);
export type ScheduleState = z.infer<typeof ScheduleStateSchema>;

const scheduleFields = {
  name: ScheduleNameSchema,
  expression: ScheduleExpressionSchema,
  timezone: TimeZoneSchema.optional(),
  /** Instance id, partial address, `role:<name>`, `topic:<name>` or `broadcast`. */
  target: AddressSchema,
  messageType: MessageTypeSchema,
  content: ContentSchema,
  /** Only for `topic:` targets: queue for every subscriber instead of live-only. */
  persistent: z.boolean().optional(),
  metadata: MetadataSchema.optional(),
  maxFireCount: z.number().int().min(1).max(SCHEDULE_LIMITS.maxFireCountMax).optional(),
  /** ISO-8601 instant after which the schedule never fires again. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  missedPolicy: MissedPolicySchema.optional(),
};

export const CreateScheduleBodySchema = z.object({
  ...scheduleFields,
  /** false creates it paused. */
  enabled: z.boolean().optional(),
});
export type CreateScheduleBody = z.infer<typeof CreateScheduleBodySchema>;

/** Every field optional; `null` clears an optional one. Changing the expression re-plans. */
export const UpdateScheduleBodySchema = z.object({
  name: scheduleFields.name.optional(),
  expression: scheduleFields.expression.optional(),
  timezone: TimeZoneSchema.nullable().optional(),
  target: scheduleFields.target.optional(),
  messageType: scheduleFields.messageType.optional(),
  content: scheduleFields.content.optional(),
  persistent: z.boolean().nullable().optional(),
  metadata: MetadataSchema.nullable().optional(),
  maxFireCount: scheduleFields.maxFireCount.unwrap().nullable().optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  missedPolicy: MissedPolicySchema.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBodySchema>;

export const ScheduleSchema = z.object({
  id: ScheduleIdSchema,
  name: z.string(),
  expression: z.string(),
  /** The zone the expression is read in (resolved: never empty). */
  timezone: z.string(),
  /** `cron`, `interval` (every …) or `once` (in … / at …). */
  kind: z.enum(["cron", "interval", "once"]),
  /** Plain-English reading of the expression, for humans. */
  description: z.string(),
  target: z.string(),
  messageType: MessageTypeSchema,
  content: z.string(),
  persistent: z.boolean().optional(),
  metadata: MetadataSchema.optional(),
  maxFireCount: z.number().int().optional(),
  expiresAt: z.string().optional(),
  missedPolicy: MissedPolicySchema,
  enabled: z.boolean(),
  state: ScheduleStateSchema,
  /** Instance id of the creator, or `operator@hub:cc2cc/<replica>` for the dashboard. */
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  fireCount: z.number().int().nonnegative(),
  lastFiredAt: z.string().optional(),
  /** Next planned fire (ISO); absent when paused, completed or expired. */
  nextFireAt: z.string().optional(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

export const ScheduleFireOutcomeSchema = z.enum([
  /** Accepted by the delivery path (queued or sent live). */
  "sent",
  /** Refused by the delivery path; `error` says why (RATE_LIMITED, QUEUE_FULL, UNKNOWN_RECIPIENT…). */
  "refused",
  /** Fell due while no replica ran and was skipped by `missedPolicy: skip`. */
  "missed",
]);

export const ScheduleFireSchema = z.object({
  scheduleId: ScheduleIdSchema,
  /** The planned fire time (ISO). */
  plannedAt: z.string(),
  /** When a replica actually fired it (ISO). */
  firedAt: z.string(),
  outcome: ScheduleFireOutcomeSchema,
  /** `fire_now` from the dashboard/API, `recovery` for a missed fire fired late. */
  trigger: z.enum(["schedule", "manual", "recovery"]),
  /** How many planned fires this entry stands for (> 1 only for a recovery or a skip). */
  covers: z.number().int().positive(),
  messageId: MessageIdSchema.optional(),
  /** Queued-for instances, or live sockets reached for live-only targets. */
  recipients: z.number().int().nonnegative().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  replica: z.string(),
});
export type ScheduleFire = z.infer<typeof ScheduleFireSchema>;

export const SchedulePreviewBodySchema = z.object({
  expression: ScheduleExpressionSchema,
  timezone: TimeZoneSchema.optional(),
  count: z.number().int().min(1).max(SCHEDULE_LIMITS.previewMax).optional(),
});
export const SchedulePreviewSchema = z.object({
  kind: z.enum(["cron", "interval", "once"]),
  description: z.string(),
  timezone: z.string(),
  /** The next fire times (ISO), default five. */
  nextFireTimes: z.array(z.string()),
});
export type SchedulePreview = z.infer<typeof SchedulePreviewSchema>;

export const SchedulesResponseSchema = z.object({ schedules: z.array(ScheduleSchema) });
export const ScheduleWithFiresSchema = z.object({
  schedule: ScheduleSchema,
  fires: z.array(ScheduleFireSchema),
});
export const ScheduleFiresResponseSchema = z.object({ fires: z.array(ScheduleFireSchema) });

/** Who created it, for the plugin's `list_schedules(mine)`. */
export const ListSchedulesFilterSchema = z.object({
  createdBy: InstanceIdSchema.optional(),
});

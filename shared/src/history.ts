import { z } from "zod";
import { HubEventSchema } from "./events.js";
import { InstanceIdSchema, MessageIdSchema, TopicNameSchema } from "./ids.js";
import { MessageStatusSchema } from "./instance.js";
import { MESSAGE_TYPES, MessageSchema } from "./message.js";

/**
 * REST bodies of the hub's history (`/api/history`): a bounded, replayable log of messages and
 * hub events kept in Redis (or in memory on the in-process engine), with aggregates the
 * dashboard's Conversations, Analytics, Graph and Cluster views are built from.
 */
export const HISTORY_LIMITS = {
  pageDefault: 200,
  pageMax: 1000,
  /** Log entries one request may read before it answers with what it found and a cursor. */
  scanBudget: 5000,
  threadPageDefault: 50,
  threadPageMax: 200,
  /** Messages kept per thread; older replies of a very long thread drop out of its index. */
  threadMessagesMax: 500,
  textMaxLength: 200,
} as const;

/** A position in the log, `<ms>-<seq>` like a Redis stream id. Pages run from newest to older. */
export const HistoryCursorSchema = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/, "must be a cursor like 1700000000000-0");

/** A time given as ISO-8601 or epoch milliseconds, parsed to epoch milliseconds. */
export const TimeParamSchema = z.string().transform((raw, ctx) => {
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO-8601 time or epoch milliseconds" });
    return z.NEVER;
  }
  return ms;
});

const HUB_EVENT_TYPES: readonly string[] = HubEventSchema.options.map((o) => o.shape.type.value);

/** `type` filter values: message types (task, result, ...) and hub event types (topic:created, ...). */
export const HistoryTypeFilterSchema = z
  .string()
  .max(500)
  .transform((raw) =>
    raw
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
  )
  .refine(
    (types) =>
      types.every((t) => (MESSAGE_TYPES as readonly string[]).includes(t) || HUB_EVENT_TYPES.includes(t)),
    {
      message: `each must be a message type (${MESSAGE_TYPES.join(", ")}) or a hub event type (${HUB_EVENT_TYPES.join(", ")})`,
    },
  );

/** Query of `GET /api/history`. Every filter narrows; `text` matches content, sender and address. */
export const HistoryQuerySchema = z.object({
  type: HistoryTypeFilterSchema.optional(),
  /** Case-insensitive part of an instance id the event involves (sender, recipient, subject). */
  instance: z.string().min(1).max(300).optional(),
  topic: TopicNameSchema.optional(),
  text: z.string().min(1).max(HISTORY_LIMITS.textMaxLength).optional(),
  /** Inclusive lower bound. */
  since: TimeParamSchema.optional(),
  /** Exclusive upper bound. */
  until: TimeParamSchema.optional(),
  /** Continue after this entry (exclusive), towards older entries. */
  cursor: HistoryCursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(HISTORY_LIMITS.pageMax).default(HISTORY_LIMITS.pageDefault),
});
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

export const HistoryEntrySchema = z.object({ id: HistoryCursorSchema, event: HubEventSchema });
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistoryPageSchema = z.object({
  /** Newest first. */
  entries: z.array(HistoryEntrySchema),
  /** Pass as `cursor` for older entries; null when the log (or the range) is exhausted. */
  next: HistoryCursorSchema.nullable(),
  /** Entries read to answer; a filtered page may be short when the scan budget ran out. */
  scanned: z.number().int().nonnegative(),
});
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

export const MessageAckSchema = z.object({ instanceId: InstanceIdSchema, at: z.string() });

/** `GET /api/history/messages/:id`: the envelope as logged, its thread, acks and delivery state. */
export const MessageRecordSchema = z.object({
  entryId: HistoryCursorSchema,
  message: MessageSchema,
  replica: z.string(),
  recipients: z.array(InstanceIdSchema),
  liveRecipients: z.number().int().optional(),
  /** First message of the `replyTo` chain this message belongs to. */
  rootId: MessageIdSchema,
  acks: z.array(MessageAckSchema),
  /** The engine's per-recipient state while it keeps it (CC2CC_STATUS_TTL); null after that. */
  status: MessageStatusSchema.nullable(),
});
export type MessageRecord = z.infer<typeof MessageRecordSchema>;

export const ThreadQuerySchema = z.object({
  /** Continue after this thread (the `next` of the previous page). */
  cursor: z
    .string()
    .regex(/^\d{1,15}:.{1,64}$/, "must be a thread cursor")
    .optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(HISTORY_LIMITS.threadPageMax)
    .default(HISTORY_LIMITS.threadPageDefault),
});
export type ThreadQuery = z.infer<typeof ThreadQuerySchema>;

export const ThreadSummarySchema = z.object({
  rootId: MessageIdSchema,
  /** Null when the first message has already left the log. */
  root: MessageSchema.nullable(),
  messages: z.number().int().nonnegative(),
  participants: z.array(z.string()),
  lastAt: z.string(),
});
export type ThreadSummary = z.infer<typeof ThreadSummarySchema>;

export const ThreadPageSchema = z.object({
  /** Most recently active first. */
  threads: z.array(ThreadSummarySchema),
  next: z.string().nullable(),
});
export type ThreadPage = z.infer<typeof ThreadPageSchema>;

export const ThreadDetailSchema = z.object({
  rootId: MessageIdSchema,
  /** Oldest first; without `status` (ask the message route for one message's state). */
  messages: z.array(MessageRecordSchema),
});
export type ThreadDetail = z.infer<typeof ThreadDetailSchema>;

export const ANALYTICS_RANGES = ["1h", "6h", "24h", "7d"] as const;
export const AnalyticsRangeSchema = z.enum(ANALYTICS_RANGES);
export type AnalyticsRange = z.infer<typeof AnalyticsRangeSchema>;
export const AnalyticsQuerySchema = z.object({ range: AnalyticsRangeSchema.default("1h") });

const CountedSchema = z.object({ id: z.string(), count: z.number().int().nonnegative() });

export const AnalyticsResponseSchema = z.object({
  range: AnalyticsRangeSchema,
  from: z.string(),
  to: z.string(),
  /** Width of each `series` bucket; divide a count by its minutes for a per-minute rate. */
  bucketMs: z.number().int().positive(),
  /** Top lists, edges and latency are kept in slots of this width, so the range is rounded out to it. */
  slotMs: z.number().int().positive(),
  series: z.array(z.object({ at: z.string(), counts: z.record(z.string(), z.number().int()) })),
  totals: z.record(z.string(), z.number().int()),
  topSenders: z.array(CountedSchema),
  /** Queued recipients, or the address (topic:x, broadcast) of live-only sends. */
  topReceivers: z.array(CountedSchema),
  edges: z.array(z.object({ from: z.string(), to: z.string(), count: z.number().int().positive() })),
  /** Send → acknowledgement, in milliseconds, from the hub's ack events. */
  latency: z.object({
    samples: z.number().int().nonnegative(),
    p50: z.number().nullable(),
    p90: z.number().nullable(),
    p99: z.number().nullable(),
    max: z.number().nullable(),
  }),
});
export type AnalyticsResponse = z.infer<typeof AnalyticsResponseSchema>;

export const REPLICA_STATES = ["live", "stale", "stopped"] as const;

/** What each replica writes about itself every heartbeat; the Cluster view lists them. */
export const ReplicaRecordSchema = z.object({
  replica: z.string(),
  engine: z.enum(["memory", "redis"]),
  startedAt: z.string(),
  /** Last heartbeat. */
  at: z.string(),
  state: z.enum(REPLICA_STATES),
  connections: z.object({ plugin: z.number().int(), dashboard: z.number().int() }),
  /** Instances whose queue this replica serves. */
  instances: z.number().int(),
  /** Over the last minute, events this replica saw. */
  rates: z.object({ messagesPerMin: z.number(), acksPerMin: z.number(), eventsPerMin: z.number() }),
  totals: z.object({ messages: z.number().int(), events: z.number().int(), dropped: z.number().int() }),
  memory: z.object({ rssBytes: z.number().int(), heapUsedBytes: z.number().int() }),
});
export type ReplicaRecord = z.infer<typeof ReplicaRecordSchema>;

export const ClusterResponseSchema = z.object({
  now: z.string(),
  heartbeatMs: z.number().int().positive(),
  replicas: z.array(ReplicaRecordSchema),
});
export type ClusterResponse = z.infer<typeof ClusterResponseSchema>;

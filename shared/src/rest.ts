import { z } from "zod";
import { AddressSchema, MessageIdSchema, TopicNameSchema } from "./ids.js";
import { DeadLetterSchema, InstanceInfoSchema, QueueStatsSchema, TopicInfoSchema } from "./instance.js";
import { ContentSchema, MessageSchema, MessageTypeSchema, MetadataSchema } from "./message.js";

/**
 * REST bodies under `/api`. Every call carries `Authorization: Bearer <key>`; errors come back
 * as `ErrorBody` with the HTTP status of `HTTP_STATUS[code]`.
 */
export const InstancesResponseSchema = z.object({ instances: z.array(InstanceInfoSchema) });
export const TopicsResponseSchema = z.object({ topics: z.array(TopicInfoSchema) });

export const CreateTopicBodySchema = z.object({
  name: TopicNameSchema,
  /** Keep the topic while it has no subscribers (opt out of empty-topic expiry). */
  keep: z.boolean().optional(),
});
export type CreateTopicBody = z.infer<typeof CreateTopicBodySchema>;

export const TopicSubscribersResponseSchema = z.object({
  topic: TopicNameSchema,
  subscribers: z.array(z.string()),
});

export const QueueResponseSchema = z.object({
  stats: QueueStatsSchema,
  pending: z.array(MessageSchema),
  processing: z.array(MessageSchema),
});
export const DeadLettersResponseSchema = z.object({ deadLetters: z.array(DeadLetterSchema) });

export const FlushResponseSchema = z.object({ removed: z.number().int() });

/** Send as the operator (dashboard powers). */
export const OperatorSendBodySchema = z.object({
  to: AddressSchema,
  type: MessageTypeSchema,
  content: ContentSchema,
  replyTo: MessageIdSchema.optional(),
  metadata: MetadataSchema.optional(),
  persistent: z.boolean().optional(),
});
export type OperatorSendBody = z.infer<typeof OperatorSendBodySchema>;

export const StatsResponseSchema = z.object({
  replica: z.string(),
  engine: z.enum(["memory", "redis"]),
  instances: z.object({ online: z.number().int(), offline: z.number().int() }),
  topics: z.number().int(),
  queued: z.number().int(),
  processing: z.number().int(),
  /** Messages accepted today (UTC), by type. */
  messagesToday: z.record(z.string(), z.number().int()),
});
export type StatsResponse = z.infer<typeof StatsResponseSchema>;

export const HealthResponseSchema = z.object({ status: z.literal("ok"), replica: z.string() });
export const ReadyResponseSchema = z.object({
  status: z.enum(["ready", "unavailable"]),
  replica: z.string(),
  engine: z.enum(["memory", "redis"]),
});

import { z } from "zod";
import { InstanceIdSchema, RoleNameSchema, TopicNameSchema } from "./ids.js";
import { MessageSchema } from "./message.js";

export const InstanceInfoSchema = z.object({
  instanceId: InstanceIdSchema,
  username: z.string(),
  host: z.string(),
  project: z.string(),
  session: z.string(),
  role: RoleNameSchema.nullable(),
  online: z.boolean(),
  /** The hub replica holding the live connection; the last one when offline. */
  replica: z.string().nullable(),
  /** Messages waiting in the queue (not yet handed to the plugin). */
  queueDepth: z.number().int().nonnegative(),
  /** Messages handed to the plugin and not yet acknowledged. */
  processing: z.number().int().nonnegative(),
  /** ISO timestamps. */
  registeredAt: z.string(),
  lastSeen: z.string(),
});
export type InstanceInfo = z.infer<typeof InstanceInfoSchema>;

export const TopicInfoSchema = z.object({
  name: TopicNameSchema,
  subscribers: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** When true the topic is kept while it has no subscribers; otherwise it expires. */
  keep: z.boolean(),
});
export type TopicInfo = z.infer<typeof TopicInfoSchema>;

export const QueueStatsSchema = z.object({
  instanceId: InstanceIdSchema,
  pending: z.number().int().nonnegative(),
  processing: z.number().int().nonnegative(),
  /** ISO timestamp of the oldest pending or processing message, null when empty. */
  oldestAt: z.string().nullable(),
  /** Messages moved aside after too many failed deliveries or past their TTL. */
  deadLetters: z.number().int().nonnegative().optional(),
});
export type QueueStats = z.infer<typeof QueueStatsSchema>;

/** Where a message is, as its sender sees it (message_status). */
export const DELIVERY_STATES = ["queued", "delivered", "acknowledged", "replied"] as const;
export const DeliveryStateSchema = z.enum(DELIVERY_STATES);
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

export const MessageStatusSchema = z.object({
  messageId: z.string(),
  from: InstanceIdSchema,
  to: z.string(),
  acceptedAt: z.string(),
  recipients: z.array(
    z.object({
      instanceId: InstanceIdSchema,
      state: DeliveryStateSchema,
      /** ISO timestamp of the last state change. */
      at: z.string(),
      /** Id of the first reply from this recipient, once replied. */
      replyId: z.string().optional(),
    }),
  ),
});
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

export const DEAD_LETTER_REASONS = ["max_deliveries", "expired"] as const;
export const DeadLetterSchema = z.object({
  message: MessageSchema,
  reason: z.enum(DEAD_LETTER_REASONS),
  /** How many times it was handed to the recipient's plugin without an ack. */
  deliveries: z.number().int().nonnegative(),
  /** ISO timestamp of when it was moved aside. */
  deadAt: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export const TopicListSchema = z.array(TopicInfoSchema);
export const TopicNamesSchema = z.array(TopicNameSchema);

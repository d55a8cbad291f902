import { z } from "zod";
import { ErrorBodySchema } from "./errors.js";
import { AddressSchema, InstanceIdSchema, MessageIdSchema, RoleNameSchema, TopicNameSchema } from "./ids.js";
import { InstanceInfoSchema, type MessageStatusSchema, type TopicInfoSchema } from "./instance.js";
import { LIMITS } from "./limits.js";
import { ContentSchema, MessageSchema, MessageTypeSchema, MetadataSchema } from "./message.js";
import {
  CreateScheduleBodySchema,
  type Schedule,
  ScheduleIdSchema,
  type ScheduleWithFiresSchema,
  UpdateScheduleBodySchema,
} from "./schedule.js";

/**
 * The socket.io protocol. Two namespaces on the hub's port: `/plugin` for MCP plugins and
 * `/dashboard` for dashboards; WebSocket transport only. Every client→hub event takes one
 * payload and an ack callback answered with a `Reply`. Requests may carry a `requestId`; the
 * hub echoes it (or one it made up) in every reply, errors included.
 */
export const NAMESPACES = { plugin: "/plugin", dashboard: "/dashboard" } as const;

const KeySchema = z.string().min(1).max(LIMITS.keyMaxLength);
const SecretSchema = z.string().min(LIMITS.secretMinLength).max(LIMITS.secretMaxLength);

/**
 * Handshake `auth` of the plugin namespace. Registration happens here so that socket.io's own
 * reconnects re-register without a second round trip. `secret` binds the id to the process
 * that made it: the hub keeps only its hash and refuses another secret while the id is live.
 * `migrateFrom` (after `/clear`) moves the old id's queue, topics and role to this id.
 */
export const PluginAuthSchema = z.object({
  key: KeySchema,
  protocolVersion: z.number().int(),
  instanceId: InstanceIdSchema,
  secret: SecretSchema,
  role: RoleNameSchema.optional(),
  migrateFrom: z.object({ instanceId: InstanceIdSchema, secret: SecretSchema }).optional(),
});
export type PluginAuth = z.infer<typeof PluginAuthSchema>;

export const DashboardAuthSchema = z.object({
  key: KeySchema,
  protocolVersion: z.number().int(),
});
export type DashboardAuth = z.infer<typeof DashboardAuthSchema>;

const RequestIdSchema = z.string().min(1).max(LIMITS.requestIdMaxLength);
const base = { requestId: RequestIdSchema.optional() };

// ---- client → hub requests (plugin namespace) ----

export const SendMessageRequestSchema = z.object({
  ...base,
  to: AddressSchema,
  type: MessageTypeSchema,
  content: ContentSchema,
  replyTo: MessageIdSchema.optional(),
  metadata: MetadataSchema.optional(),
  /** Only for `topic:` addresses: queue for every subscriber instead of live-only. */
  persistent: z.boolean().optional(),
});
export const BroadcastRequestSchema = z.object({
  ...base,
  type: MessageTypeSchema,
  content: ContentSchema,
  metadata: MetadataSchema.optional(),
});
export const PublishTopicRequestSchema = z.object({
  ...base,
  topic: TopicNameSchema,
  type: MessageTypeSchema,
  content: ContentSchema,
  persistent: z.boolean().optional(),
  replyTo: MessageIdSchema.optional(),
  metadata: MetadataSchema.optional(),
});
export const TopicRequestSchema = z.object({ ...base, topic: TopicNameSchema });
export const EmptyRequestSchema = z.object({ ...base });
export const SetRoleRequestSchema = z.object({ ...base, role: RoleNameSchema.nullable() });
export const GetMessagesRequestSchema = z.object({
  ...base,
  limit: z.number().int().min(1).max(LIMITS.pollMax).optional(),
});
export const AckRequestSchema = z.object({
  ...base,
  messageIds: z.array(MessageIdSchema).min(1).max(LIMITS.ackBatchMax),
});
export const PingRequestSchema = z.object({
  ...base,
  to: AddressSchema,
  timeoutMs: z.number().int().min(100).max(LIMITS.pingTimeoutMaxMs).optional(),
});
export const MessageStatusRequestSchema = z.object({ ...base, messageId: MessageIdSchema });
export const CreateScheduleRequestSchema = CreateScheduleBodySchema.extend(base);
export const ListSchedulesRequestSchema = z.object({
  ...base,
  /** Only the schedules this instance's address (user@host:project) created. */
  mine: z.boolean().optional(),
});
export const ScheduleRequestSchema = z.object({ ...base, scheduleId: ScheduleIdSchema });
export const UpdateScheduleRequestSchema = UpdateScheduleBodySchema.extend({
  ...base,
  scheduleId: ScheduleIdSchema,
});

export type SendMessageRequest = z.infer<typeof SendMessageRequestSchema>;
export type BroadcastRequest = z.infer<typeof BroadcastRequestSchema>;
export type PublishTopicRequest = z.infer<typeof PublishTopicRequestSchema>;
export type TopicRequest = z.infer<typeof TopicRequestSchema>;
export type EmptyRequest = z.infer<typeof EmptyRequestSchema>;
export type SetRoleRequest = z.infer<typeof SetRoleRequestSchema>;
export type GetMessagesRequest = z.infer<typeof GetMessagesRequestSchema>;
export type AckRequest = z.infer<typeof AckRequestSchema>;
export type PingRequest = z.infer<typeof PingRequestSchema>;
export type MessageStatusRequest = z.infer<typeof MessageStatusRequestSchema>;
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequestSchema>;
export type ListSchedulesRequest = z.infer<typeof ListSchedulesRequestSchema>;
export type ScheduleRequest = z.infer<typeof ScheduleRequestSchema>;
export type UpdateScheduleRequest = z.infer<typeof UpdateScheduleRequestSchema>;

// ---- hub → client reply payloads ----

export const SendResultSchema = z.object({
  message: MessageSchema,
  /** Instance ids the message was queued for (direct, role, persistent topic). */
  recipients: z.array(InstanceIdSchema),
  /** Online recipients of live-only sends (broadcast, non-persistent topic) at send time. */
  liveRecipients: z.number().int().nonnegative().optional(),
  /** Fan-out recipients (role, persistent topic) whose queue refused the message. */
  refused: z
    .array(
      z.object({
        instanceId: InstanceIdSchema,
        code: z.enum(["UNKNOWN_RECIPIENT", "QUEUE_FULL", "RATE_LIMITED"]),
      }),
    )
    .optional(),
});
export type SendResult = z.infer<typeof SendResultSchema>;

export const WhoamiSchema = z.object({
  instance: InstanceInfoSchema,
  topics: z.array(TopicNameSchema),
  replica: z.string(),
  protocolVersion: z.number().int(),
});
export type Whoami = z.infer<typeof WhoamiSchema>;

export const PingResultSchema = z.object({ instanceId: InstanceIdSchema, rttMs: z.number().nonnegative() });
export type PingResult = z.infer<typeof PingResultSchema>;

/** Sent once by the hub right after a plugin's handshake succeeded, before any message. */
export const WelcomeSchema = z.object({
  protocolVersion: z.number().int(),
  replica: z.string(),
  instance: InstanceInfoSchema,
  topics: z.array(TopicNameSchema),
  /** Present when the handshake migrated an old id; counts what moved. */
  migrated: z
    .object({ from: InstanceIdSchema, messages: z.number().int(), topics: z.number().int() })
    .optional(),
  /**
   * What this hub does beyond protocol 1 as first published (see HUB_FEATURES). A plain string
   * list, so that a plugin meeting a newer hub ignores names it does not know.
   */
  features: z.array(z.string()).optional(),
});
export type Welcome = z.infer<typeof WelcomeSchema>;

/** Names a hub may list in `welcome.features`. */
export const HUB_FEATURES = {
  /**
   * An `ack` sent without a callback is applied and answered by nothing: the hub writes no
   * reply frame per delivered batch. A lost ack costs a redelivery, which the plugin drops.
   */
  ackWithoutReply: "ack-without-reply",
} as const;

/**
 * Messages pushed to a plugin. `requiresAck` is true for messages that came out of the
 * recipient's queue: the plugin acks each id after the model has it, and until then the hub
 * keeps it. Live-only messages (broadcast, non-persistent topic) have `requiresAck: false`.
 */
export const MessagesFrameSchema = z.object({
  messages: z.array(MessageSchema),
  requiresAck: z.boolean(),
});
export type MessagesFrame = z.infer<typeof MessagesFrameSchema>;

export const PingFrameSchema = z.object({ from: InstanceIdSchema, sentAt: z.string() });
export type PingFrame = z.infer<typeof PingFrameSchema>;

export const NoticeSchema = z.object({
  code: z.enum(["SHUTTING_DOWN", "RATE_LIMITED", "VALIDATION", "NOT_HOLDER"]),
  message: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;

export function replySchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), requestId: z.string(), data }),
    z.object({ ok: z.literal(false), requestId: z.string(), error: ErrorBodySchema }),
  ]);
}
export type Reply<T> =
  | { ok: true; requestId: string; data: T }
  | { ok: false; requestId: string; error: z.infer<typeof ErrorBodySchema> };
export type Ack<T> = (reply: Reply<T>) => void;

/** client → hub on `/plugin`. */
export interface PluginClientToServerEvents {
  send_message: (req: SendMessageRequest, ack: Ack<SendResult>) => void;
  broadcast: (req: BroadcastRequest, ack: Ack<SendResult>) => void;
  publish_topic: (req: PublishTopicRequest, ack: Ack<SendResult>) => void;
  subscribe_topic: (req: TopicRequest, ack: Ack<{ topic: string; subscribed: true }>) => void;
  unsubscribe_topic: (req: TopicRequest, ack: Ack<{ topic: string; subscribed: false }>) => void;
  list_topics: (req: EmptyRequest, ack: Ack<{ topics: z.infer<typeof TopicInfoSchema>[] }>) => void;
  list_instances: (req: EmptyRequest, ack: Ack<{ instances: z.infer<typeof InstanceInfoSchema>[] }>) => void;
  set_role: (req: SetRoleRequest, ack: Ack<{ instance: z.infer<typeof InstanceInfoSchema> }>) => void;
  get_messages: (req: GetMessagesRequest, ack: Ack<{ messages: z.infer<typeof MessageSchema>[] }>) => void;
  ack: (req: AckRequest, ack: Ack<{ acked: number }>) => void;
  ping: (req: PingRequest, ack: Ack<PingResult>) => void;
  whoami: (req: EmptyRequest, ack: Ack<Whoami>) => void;
  message_status: (req: MessageStatusRequest, ack: Ack<z.infer<typeof MessageStatusSchema>>) => void;
  create_schedule: (req: CreateScheduleRequest, ack: Ack<Schedule>) => void;
  list_schedules: (req: ListSchedulesRequest, ack: Ack<{ schedules: Schedule[] }>) => void;
  get_schedule: (req: ScheduleRequest, ack: Ack<z.infer<typeof ScheduleWithFiresSchema>>) => void;
  update_schedule: (req: UpdateScheduleRequest, ack: Ack<Schedule>) => void;
  delete_schedule: (req: ScheduleRequest, ack: Ack<{ scheduleId: string; deleted: true }>) => void;
}

/** hub → client on `/plugin`. */
export interface PluginServerToClientEvents {
  welcome: (w: Welcome) => void;
  messages: (frame: MessagesFrame) => void;
  /** Another instance pings this one; answer the callback to prove the plugin is alive. */
  ping: (p: PingFrame, ack: (res: { ok: true }) => void) => void;
  notice: (n: Notice) => void;
}

/** Events the plugin namespace accepts, for validation of unknown event names. */
export const PLUGIN_REQUEST_SCHEMAS = {
  send_message: SendMessageRequestSchema,
  broadcast: BroadcastRequestSchema,
  publish_topic: PublishTopicRequestSchema,
  subscribe_topic: TopicRequestSchema,
  unsubscribe_topic: TopicRequestSchema,
  list_topics: EmptyRequestSchema,
  list_instances: EmptyRequestSchema,
  set_role: SetRoleRequestSchema,
  get_messages: GetMessagesRequestSchema,
  ack: AckRequestSchema,
  ping: PingRequestSchema,
  whoami: EmptyRequestSchema,
  message_status: MessageStatusRequestSchema,
  create_schedule: CreateScheduleRequestSchema,
  list_schedules: ListSchedulesRequestSchema,
  get_schedule: ScheduleRequestSchema,
  update_schedule: UpdateScheduleRequestSchema,
  delete_schedule: ScheduleRequestSchema,
} as const satisfies Record<keyof PluginClientToServerEvents, z.ZodType>;

import {
  Cc2ccError,
  ErrorBodySchema,
  InstanceInfoSchema,
  MessageSchema,
  MessageStatusSchema,
  PingResultSchema,
  type PLUGIN_REQUEST_SCHEMAS,
  type PluginClientToServerEvents,
  ScheduleSchema,
  SchedulesResponseSchema,
  ScheduleWithFiresSchema,
  SendResultSchema,
  TopicInfoSchema,
  WhoamiSchema,
} from "@cc2cc/shared";
import { z } from "zod";

export type HubRequestName = keyof PluginClientToServerEvents;

/** The data a successful reply to `E` carries, read off the shared event map. */
export type ReplyData<E extends HubRequestName> = Parameters<PluginClientToServerEvents[E]>[1] extends (
  reply: infer R,
) => void
  ? R extends { ok: true; data: infer D }
    ? D
    : never
  : never;

/** What a caller passes; the client adds the request id. */
export type RequestPayload<E extends HubRequestName> = Omit<
  z.input<(typeof PLUGIN_REQUEST_SCHEMAS)[E]>,
  "requestId"
>;

/**
 * Reply data checked at the edge: a hub that answers off-contract gets a clear INTERNAL error
 * naming the event and field instead of a tool that misbehaves later.
 */
const REPLY_DATA_SCHEMAS: { [E in HubRequestName]: z.ZodType<ReplyData<E>> } = {
  // loose: the hub may name refused fan-out recipients beside the contract's fields.
  send_message: SendResultSchema.loose(),
  broadcast: SendResultSchema.loose(),
  publish_topic: SendResultSchema.loose(),
  subscribe_topic: z.object({ topic: z.string(), subscribed: z.literal(true) }),
  unsubscribe_topic: z.object({ topic: z.string(), subscribed: z.literal(false) }),
  list_topics: z.object({ topics: z.array(TopicInfoSchema) }),
  list_instances: z.object({ instances: z.array(InstanceInfoSchema) }),
  set_role: z.object({ instance: InstanceInfoSchema }),
  get_messages: z.object({ messages: z.array(MessageSchema) }),
  ack: z.object({ acked: z.number().int() }),
  ping: PingResultSchema,
  whoami: WhoamiSchema,
  message_status: MessageStatusSchema,
  create_schedule: ScheduleSchema,
  list_schedules: SchedulesResponseSchema,
  get_schedule: ScheduleWithFiresSchema,
  update_schedule: ScheduleSchema,
  delete_schedule: z.object({ scheduleId: z.string(), deleted: z.literal(true) }),
};

const ReplyEnvelopeSchema = z.object({
  ok: z.boolean(),
  requestId: z.string().optional(),
  data: z.unknown().optional(),
  error: ErrorBodySchema.optional(),
});

/** An answer that breaks the shared contract; the client logs it, the tool reports INTERNAL. */
export class OffContractReply extends Cc2ccError {
  constructor(
    readonly event: string,
    readonly detail: string,
  ) {
    super("INTERNAL", `the hub's reply to ${event} does not match the cc2cc protocol (${detail})`);
  }
}

/** The data of a successful reply; the hub's error as Cc2ccError; OffContractReply otherwise. */
export function readReply<E extends HubRequestName>(event: E, reply: unknown): ReplyData<E> {
  const envelope = ReplyEnvelopeSchema.safeParse(reply);
  if (!envelope.success) throw new OffContractReply(event, describe(envelope.error));
  if (!envelope.data.ok) {
    const error = envelope.data.error;
    if (!error) throw new OffContractReply(event, "ok:false without error");
    throw new Cc2ccError(error.code, error.message, {
      ...(error.field !== undefined ? { field: error.field } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
    });
  }
  const data = REPLY_DATA_SCHEMAS[event].safeParse(envelope.data.data);
  if (!data.success) throw new OffContractReply(event, describe(data.error));
  return data.data as ReplyData<E>;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "reply"}: ${i.message}`).join("; ");
}

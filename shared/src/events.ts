import { z } from "zod";
import { InstanceIdSchema, TopicNameSchema } from "./ids.js";
import { InstanceInfoSchema, TopicInfoSchema } from "./instance.js";
import { MessageSchema } from "./message.js";
import { ScheduleFireSchema, ScheduleIdSchema, ScheduleSchema } from "./schedule.js";

/**
 * Hub events streamed to dashboards on `/dashboard`, in arrays (event name `hub_events`): each
 * replica collects what it saw for a short window and sends it in order. Every event has the
 * replica that saw it and an ISO timestamp; content of messages is included because the
 * dashboard is the operator's window, but hub logs never carry it.
 */
const common = { at: z.string(), replica: z.string() };

export const HubEventSchema = z.discriminatedUnion("type", [
  z.object({ ...common, type: z.literal("instance:connected"), instance: InstanceInfoSchema }),
  z.object({ ...common, type: z.literal("instance:disconnected"), instanceId: InstanceIdSchema }),
  z.object({ ...common, type: z.literal("instance:updated"), instance: InstanceInfoSchema }),
  z.object({ ...common, type: z.literal("instance:removed"), instanceId: InstanceIdSchema }),
  z.object({
    ...common,
    type: z.literal("instance:migrated"),
    from: InstanceIdSchema,
    to: InstanceIdSchema,
    messages: z.number().int(),
  }),
  z.object({
    ...common,
    type: z.literal("message:sent"),
    message: MessageSchema,
    /** Queued for these instances. */
    recipients: z.array(InstanceIdSchema),
    /** Live sockets reached (broadcast, non-persistent topic). */
    liveRecipients: z.number().int().optional(),
  }),
  z.object({
    ...common,
    type: z.literal("message:acked"),
    instanceId: InstanceIdSchema,
    messageIds: z.array(z.string()),
  }),
  z.object({ ...common, type: z.literal("topic:created"), topic: TopicInfoSchema }),
  z.object({ ...common, type: z.literal("topic:deleted"), topic: TopicNameSchema }),
  z.object({
    ...common,
    type: z.literal("topic:subscribed"),
    topic: TopicNameSchema,
    instanceId: InstanceIdSchema,
  }),
  z.object({
    ...common,
    type: z.literal("topic:unsubscribed"),
    topic: TopicNameSchema,
    instanceId: InstanceIdSchema,
  }),
  z.object({
    ...common,
    type: z.literal("queue:flushed"),
    instanceId: InstanceIdSchema,
    removed: z.number(),
  }),
  z.object({ ...common, type: z.literal("schedule:created"), schedule: ScheduleSchema }),
  z.object({ ...common, type: z.literal("schedule:updated"), schedule: ScheduleSchema }),
  z.object({ ...common, type: z.literal("schedule:deleted"), scheduleId: ScheduleIdSchema }),
  z.object({ ...common, type: z.literal("schedule:fired"), fire: ScheduleFireSchema }),
]);
export type HubEvent = z.infer<typeof HubEventSchema>;
export type HubEventType = HubEvent["type"];

/** hub → client on `/dashboard`. */
export interface DashboardServerToClientEvents {
  /** Oldest first; one replica's events in the order it saw them (replicas interleave). */
  hub_events: (events: HubEvent[]) => void;
}
/** client → hub on `/dashboard`: nothing yet; dashboards act through REST. */
export type DashboardClientToServerEvents = Record<string, never>;

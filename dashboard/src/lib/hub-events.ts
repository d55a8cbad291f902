import {
  type HubEvent,
  involvedIds,
  MESSAGE_TYPES,
  type MessageType,
  matchesQuery,
  scheduleOf,
  topicOf,
} from "@cc2cc/shared";
import { shortId } from "./format";

export type SentEvent = Extract<HubEvent, { type: "message:sent" }>;
export const isSent = (e: HubEvent): e is SentEvent => e.type === "message:sent";

/**
 * A stable identity per event, so the history page and the live stream (which overlap when the
 * dashboard connects or reconnects) merge without duplicates.
 */
export function eventKey(e: HubEvent): string {
  switch (e.type) {
    case "message:sent":
      return `m:${e.message.id}`;
    case "message:acked":
      return `a:${e.at}:${e.instanceId}:${e.messageIds[0] ?? ""}:${e.messageIds.length}`;
    default:
      return `${e.type}:${e.at}:${e.replica}:${involvedIds(e).join(",")}:${topicOf(e) ?? ""}:${scheduleOf(e) ?? ""}`;
  }
}

/** One line for an event that is not a message. */
export function describeEvent(e: HubEvent): string {
  switch (e.type) {
    case "instance:connected":
      return `${shortId(e.instance.instanceId)} connected${e.instance.role ? ` as role:${e.instance.role}` : ""}`;
    case "instance:disconnected":
      return `${shortId(e.instanceId)} went offline`;
    case "instance:updated":
      return `${shortId(e.instance.instanceId)} updated (role ${e.instance.role ?? "none"})`;
    case "instance:removed":
      return `${shortId(e.instanceId)} was removed`;
    case "instance:migrated":
      return `${shortId(e.from)} → ${shortId(e.to)} after /clear (${e.messages} messages moved)`;
    case "message:sent":
      return `${shortId(e.message.from)} → ${e.message.to}`;
    case "message:acked":
      return `${shortId(e.instanceId)} acknowledged ${e.messageIds.length} message${e.messageIds.length === 1 ? "" : "s"}`;
    case "topic:created":
      return `topic ${e.topic.name} created`;
    case "topic:deleted":
      return `topic ${e.topic} deleted`;
    case "topic:subscribed":
      return `${shortId(e.instanceId)} subscribed to ${e.topic}`;
    case "topic:unsubscribed":
      return `${shortId(e.instanceId)} left ${e.topic}`;
    case "queue:flushed":
      return `queue of ${shortId(e.instanceId)} flushed (${e.removed} removed)`;
    case "schedule:created":
      return `schedule "${e.schedule.name}" created (${e.schedule.description})`;
    case "schedule:updated":
      return `schedule "${e.schedule.name}" updated (${e.schedule.state})`;
    case "schedule:deleted":
      return `schedule ${e.scheduleId} deleted`;
    case "schedule:fired":
      return `schedule ${e.fire.scheduleId} fired: ${e.fire.outcome}${e.fire.error ? ` (${e.fire.error.code})` : ""}`;
  }
}

export interface FeedFilters {
  /** Message types shown; hub events (non-messages) are shown when `events` is on. */
  types: ReadonlySet<MessageType>;
  events: boolean;
  instance: string;
  topic: string;
  text: string;
}

export const ALL_TYPES: ReadonlySet<MessageType> = new Set(MESSAGE_TYPES);

export function filtersActive(f: FeedFilters): boolean {
  return f.types.size !== ALL_TYPES.size || !f.events || f.instance !== "" || f.topic !== "" || f.text !== "";
}

/** The hub's history filter (shared), applied to events already in the browser. */
export function matchesFilters(e: HubEvent, f: FeedFilters): boolean {
  if (isSent(e) ? !f.types.has(e.message.type) : !f.events) return false;
  return matchesQuery(e, { instance: f.instance, topic: f.topic, text: f.text });
}

const HUB_EVENT_TYPES = [
  "instance:connected",
  "instance:disconnected",
  "instance:updated",
  "instance:removed",
  "instance:migrated",
  "message:acked",
  "topic:created",
  "topic:deleted",
  "topic:subscribed",
  "topic:unsubscribed",
  "queue:flushed",
  "schedule:created",
  "schedule:updated",
  "schedule:deleted",
  "schedule:fired",
] as const satisfies ReadonlyArray<Exclude<HubEvent["type"], "message:sent">>;

/** The same filters as a `GET /api/history` query; null when they let nothing through. */
export function filtersToQuery(f: FeedFilters): Record<string, string | undefined> | null {
  const list = [...f.types, ...(f.events ? HUB_EVENT_TYPES : [])];
  if (list.length === 0) return null;
  const types = filtersActive(f) ? list.join(",") : undefined;
  return {
    type: types,
    instance: f.instance || undefined,
    topic: f.topic || undefined,
    text: f.text || undefined,
  };
}

export { MESSAGE_TYPES };

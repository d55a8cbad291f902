import type { HubEvent } from "./events.js";
import type { HistoryQuery } from "./history.js";

/**
 * Which hub events a history filter lets through. The hub's history store and the dashboard's
 * live feed both use this, so a filtered page from `GET /api/history` and the same filter
 * applied to events as they stream in agree event for event.
 */

/** Instance ids and addresses an event is about, for the `instance` filter. */
export function involvedIds(e: HubEvent): string[] {
  switch (e.type) {
    case "message:sent":
      return [e.message.from, e.message.to, ...e.recipients];
    case "instance:connected":
    case "instance:updated":
      return [e.instance.instanceId];
    case "instance:migrated":
      return [e.from, e.to];
    case "topic:created":
    case "topic:deleted":
    case "schedule:deleted":
    case "schedule:fired":
      return [];
    case "schedule:created":
    case "schedule:updated":
      return [e.schedule.createdBy, e.schedule.target];
    default:
      return [e.instanceId];
  }
}

/** The topic an event is about, if any, for the `topic` filter. */
export function topicOf(e: HubEvent): string | undefined {
  switch (e.type) {
    case "message:sent":
      return e.message.topic ?? (e.message.to.startsWith("topic:") ? e.message.to.slice(6) : undefined);
    case "topic:created":
      return e.topic.name;
    case "topic:deleted":
    case "topic:subscribed":
    case "topic:unsubscribed":
      return e.topic;
    default:
      return undefined;
  }
}

/** The schedule an event is about, if any. */
export function scheduleOf(e: HubEvent): string | undefined {
  switch (e.type) {
    case "schedule:created":
    case "schedule:updated":
      return e.schedule.id;
    case "schedule:deleted":
      return e.scheduleId;
    case "schedule:fired":
      return e.fire.scheduleId;
    default:
      return undefined;
  }
}

export type HistoryFilters = Pick<HistoryQuery, "type" | "instance" | "topic" | "text">;

/**
 * Whether an event passes every filter. `type` lists message types (task, ...) and event types
 * (topic:created, ...): a message passes on either its message type or `message:sent`. Text
 * and instance are case-insensitive substrings; text looks in a message's content and
 * addresses, and in an event's ids, topic and schedule.
 */
export function matchesQuery(e: HubEvent, q: HistoryFilters): boolean {
  if (q.type !== undefined && q.type.length > 0) {
    const ok = q.type.includes(e.type) || (e.type === "message:sent" && q.type.includes(e.message.type));
    if (!ok) return false;
  }
  if (q.instance !== undefined && q.instance !== "") {
    const needle = q.instance.toLowerCase();
    if (!involvedIds(e).some((id) => id.toLowerCase().includes(needle))) return false;
  }
  if (q.topic !== undefined && q.topic !== "" && topicOf(e) !== q.topic) return false;
  if (q.text !== undefined && q.text !== "") {
    const needle = q.text.toLowerCase();
    const haystack =
      e.type === "message:sent"
        ? [e.message.content, e.message.from, e.message.to]
        : [...involvedIds(e), topicOf(e) ?? "", scheduleOf(e) ?? ""];
    if (!haystack.some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

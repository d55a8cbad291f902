import type { HistoryQuery, HubEvent } from "@cc2cc/shared";

/** Instance ids (and addresses) an event is about, for the `instance` filter. */
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
    case "schedule:created":
    case "schedule:updated":
    case "schedule:deleted":
    case "schedule:fired":
      return [];
    default:
      return [e.instanceId];
  }
}

function topicOf(e: HubEvent): string | undefined {
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

export type HistoryFilters = Pick<HistoryQuery, "type" | "instance" | "topic" | "text">;

/**
 * Whether an event passes every filter. `type` lists message types (task, ...) and event types
 * (topic:created, ...): a message passes on either its message type or `message:sent`. Text
 * and instance are case-insensitive substrings.
 */
export function matchesQuery(e: HubEvent, q: HistoryFilters): boolean {
  if (q.type !== undefined && q.type.length > 0) {
    const ok = q.type.includes(e.type) || (e.type === "message:sent" && q.type.includes(e.message.type));
    if (!ok) return false;
  }
  if (q.instance !== undefined) {
    const needle = q.instance.toLowerCase();
    if (!involvedIds(e).some((id) => id.toLowerCase().includes(needle))) return false;
  }
  if (q.topic !== undefined && topicOf(e) !== q.topic) return false;
  if (q.text !== undefined) {
    const needle = q.text.toLowerCase();
    const haystack =
      e.type === "message:sent"
        ? [e.message.content, e.message.from, e.message.to]
        : [...involvedIds(e), topicOf(e) ?? ""];
    if (!haystack.some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Splits an entry id `<ms>-<seq>` for ordering without string tricks. */
export function entryParts(id: string): [number, number] {
  const dash = id.indexOf("-");
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

export function compareEntryIds(a: string, b: string): number {
  const [am, as] = entryParts(a);
  const [bm, bs] = entryParts(b);
  return am - bm || as - bs;
}

import type { HistoryEntry, HubEvent, Message, MessageRecord, ThreadPage, ThreadQuery } from "@cc2cc/shared";

/** A thread as the memory store keeps it; the Redis store keeps the same in a zset, list and set. */
export interface ThreadState {
  lastAt: number;
  /** Reply ids, oldest first (the root is not in it). */
  replies: string[];
  participants: Set<string>;
}

type SentEntry = HistoryEntry & { event: Extract<HubEvent, { type: "message:sent" }> };

export function recordOf(
  entry: SentEntry,
  rootId: string,
  acks: ReadonlyMap<string, number>,
): Omit<MessageRecord, "status"> {
  const e = entry.event;
  return {
    entryId: entry.id,
    message: e.message,
    replica: e.replica,
    recipients: e.recipients,
    ...(e.liveRecipients !== undefined ? { liveRecipients: e.liveRecipients } : {}),
    rootId,
    acks: [...acks]
      .sort((a, b) => a[1] - b[1])
      .map(([instanceId, at]) => ({ instanceId, at: new Date(at).toISOString() })),
  };
}

/**
 * Threads are ordered by last activity, newest first, ties by root id descending (the order of
 * ZREVRANGEBYSCORE); a cursor `<lastAt>:<rootId>` names the last thread of the previous page.
 */
export const threadCursor = (lastAt: number, rootId: string) => `${lastAt}:${rootId}`;

export function parseThreadCursor(cursor: string): { score: number; member: string } {
  const colon = cursor.indexOf(":");
  return { score: Number(cursor.slice(0, colon)), member: cursor.slice(colon + 1) };
}

/** Whether a thread comes after the cursor in page order. */
export function isAfterCursor(score: number, member: string, cursor: string | undefined): boolean {
  if (cursor === undefined) return true;
  const c = parseThreadCursor(cursor);
  return score < c.score || (score === c.score && member < c.member);
}

export function pageThreads(
  threads: ReadonlyMap<string, ThreadState>,
  q: ThreadQuery,
  rootMessage: (id: string) => Message | null,
): ThreadPage {
  const ordered = [...threads]
    .filter(([rootId, t]) => isAfterCursor(t.lastAt, rootId, q.cursor))
    .sort((a, b) => b[1].lastAt - a[1].lastAt || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  const page = ordered.slice(0, q.limit);
  const last = page.at(-1);
  return {
    threads: page.map(([rootId, t]) => ({
      rootId,
      root: rootMessage(rootId),
      messages: t.replies.length + 1,
      participants: [...t.participants].sort(),
      lastAt: new Date(t.lastAt).toISOString(),
    })),
    next: ordered.length > q.limit && last ? threadCursor(last[1].lastAt, last[0]) : null,
  };
}

import type { HubEvent } from "@cc2cc/shared";
import { type Increment, incrementsOf, receiversOf } from "./aggregates.js";

/** What appending a batch writes besides the log entries themselves. */
export interface AppendPlan {
  /** Per `message:sent` event (by index in the batch): the message and its thread root. */
  messages: Array<{ index: number; messageId: string; rootId: string; atMs: number; participants: string[] }>;
  /** Replies, to add to their root's thread index. */
  replies: Array<{ rootId: string; messageId: string; atMs: number; participants: string[] }>;
  acks: Array<{ messageId: string; instanceId: string; atMs: number }>;
  increments: Increment[];
}

/** Parents named by `replyTo` that are not in the batch itself: the store looks up their roots. */
export function parentsToLookUp(events: readonly HubEvent[]): string[] {
  const inBatch = new Set<string>();
  const wanted = new Set<string>();
  for (const e of events) {
    if (e.type !== "message:sent") continue;
    const parent = e.message.replyTo;
    if (parent !== undefined && !inBatch.has(parent)) wanted.add(parent);
    inBatch.add(e.message.id);
  }
  return [...wanted];
}

/**
 * The thread of a reply is its parent's thread; a parent the store no longer knows (expired,
 * or sent before history was kept) becomes the root itself, so replies to it still group.
 */
export function planAppend(events: readonly HubEvent[], knownRoots: ReadonlyMap<string, string>): AppendPlan {
  const roots = new Map(knownRoots);
  const plan: AppendPlan = { messages: [], replies: [], acks: [], increments: [] };
  events.forEach((e, index) => {
    plan.increments.push(...incrementsOf(e));
    const atMs = Date.parse(e.at) || Date.now();
    if (e.type === "message:sent") {
      const m = e.message;
      const rootId = m.replyTo === undefined ? m.id : (roots.get(m.replyTo) ?? m.replyTo);
      roots.set(m.id, rootId);
      const participants = [m.from, ...receiversOf(e)];
      plan.messages.push({ index, messageId: m.id, rootId, atMs, participants });
      if (rootId !== m.id) plan.replies.push({ rootId, messageId: m.id, atMs, participants });
    } else if (e.type === "message:acked") {
      for (const messageId of e.messageIds) plan.acks.push({ messageId, instanceId: e.instanceId, atMs });
    }
  });
  return plan;
}

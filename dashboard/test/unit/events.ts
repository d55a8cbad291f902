import type { HistoryEntry, HubEvent, Message, MessageType } from "@cc2cc/shared";

export const ALICE = "alice@dev1:webapp/11111111-aaaa";
export const BOB = "bob@dev2:api/22222222-bbbb";
let n = 0;

export function msg(
  from: string,
  to: string,
  opts: { type?: MessageType; content?: string; at?: number; replyTo?: string; topic?: string } = {},
): Extract<HubEvent, { type: "message:sent" }> {
  n += 1;
  const at = new Date(opts.at ?? Date.UTC(2030, 0, 1, 12, 0, 0) + n).toISOString();
  const message: Message = {
    id: `0190f0c8-0000-7000-8000-${String(n).padStart(12, "0")}`,
    from,
    to,
    type: opts.type ?? "task",
    content: opts.content ?? `message ${n}`,
    timestamp: at,
    ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
    ...(opts.topic ? { topic: opts.topic } : {}),
  };
  return { type: "message:sent", at, replica: "r1", message, recipients: to.includes("/") ? [to] : [] };
}

export function acked(instanceId: string, ids: string[], at = Date.UTC(2030, 0, 1, 12, 0, 1)): HubEvent {
  return {
    type: "message:acked",
    at: new Date(at).toISOString(),
    replica: "r1",
    instanceId,
    messageIds: ids,
  };
}

export function entry(event: HubEvent, seq = 0): HistoryEntry {
  return { id: `${Date.parse(event.at)}-${seq}`, event };
}

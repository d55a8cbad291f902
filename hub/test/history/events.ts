import type { HubEvent, Message, MessageType } from "@cc2cc/shared";
import { v7 as uuidv7 } from "uuid";

export const ALICE = "alice@dev1:app/s1";
export const BOB = "bob@dev2:app/s2";
export const CAROL = "carol@dev3:web/s3";

type Sent = Extract<HubEvent, { type: "message:sent" }>;

/** A `message:sent` event as the hub emits it; `to` defaults to the first recipient. */
export function sent(
  from: string,
  recipients: string[],
  opts: Partial<Pick<Message, "type" | "content" | "replyTo" | "topic" | "to">> & { at?: number } = {},
): Sent {
  const at = new Date(opts.at ?? Date.now()).toISOString();
  const message: Message = {
    id: uuidv7({ msecs: Date.parse(at) }),
    from,
    to: opts.to ?? recipients[0] ?? "broadcast",
    type: (opts.type ?? "task") as MessageType,
    content: opts.content ?? `hello from ${from}`,
    timestamp: at,
    ...(opts.replyTo !== undefined ? { replyTo: opts.replyTo } : {}),
    ...(opts.topic !== undefined ? { topic: opts.topic } : {}),
  };
  return { type: "message:sent", at, replica: "r1", message, recipients };
}

export function acked(instanceId: string, messageIds: string[], at = Date.now()): HubEvent {
  return { type: "message:acked", at: new Date(at).toISOString(), replica: "r1", instanceId, messageIds };
}

export function topicCreated(name: string, at = Date.now()): HubEvent {
  return {
    type: "topic:created",
    at: new Date(at).toISOString(),
    replica: "r1",
    topic: { name, subscribers: 0, createdAt: new Date(at).toISOString(), keep: false },
  };
}

export function disconnected(instanceId: string, at = Date.now()): HubEvent {
  return { type: "instance:disconnected", at: new Date(at).toISOString(), replica: "r1", instanceId };
}

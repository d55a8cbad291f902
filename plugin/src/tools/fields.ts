import {
  AddressSchema,
  ContentSchema,
  LIMITS,
  type Message,
  MessageIdSchema,
  MessageTypeSchema,
  MetadataSchema,
  type SendResult,
  TopicNameSchema,
} from "@cc2cc/shared";

/** Input fields shared by several tools: the shared wire schemas, described for a model. */
export const fields = {
  to: AddressSchema.describe(
    "Recipient: a full instance id (user@host:project/session), a partial user@host:project that matches " +
      "exactly one live session, role:<name> (every session holding that role) or topic:<name>.",
  ),
  type: MessageTypeSchema.describe(
    "task = asks the recipient to do work; question = asks for information; result = answers a task or " +
      "question; ack = confirms receipt; ping = liveness check.",
  ),
  content: ContentSchema.describe(
    "The message text (the hub caps it, 64 KiB by default). Make it self-contained: the recipient has " +
      "none of your context.",
  ),
  replyToMessageId: MessageIdSchema.optional().describe(
    "When answering a message: its message_id (the message_id attribute of its <channel> tag). Always set " +
      "it on results and answers so the sender can match them.",
  ),
  metadata: MetadataSchema.optional().describe(
    `Optional small flat data (string, number, boolean or null values), at most ${LIMITS.metadataMaxKeys} keys.`,
  ),
  topic: TopicNameSchema.describe("Topic name: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit."),
};

/** A message as tools return it. */
export function messageView(m: Message, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: m.id,
    from: m.from,
    to: m.to,
    type: m.type,
    content: m.content,
    timestamp: m.timestamp,
    ...(m.replyTo !== undefined ? { replyTo: m.replyTo } : {}),
    ...(m.topic !== undefined ? { topic: m.topic } : {}),
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
    ...extra,
  };
}

/** What a sender needs back: the id to track, and who it reached. Content is not echoed. */
export function sendView(r: SendResult & { refused?: unknown }): Record<string, unknown> {
  return {
    messageId: r.message.id,
    to: r.message.to,
    type: r.message.type,
    timestamp: r.message.timestamp,
    recipients: r.recipients,
    ...(r.liveRecipients !== undefined ? { liveRecipients: r.liveRecipients } : {}),
    ...(r.refused !== undefined ? { refused: r.refused } : {}),
  };
}

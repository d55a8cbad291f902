import { z } from "zod";
import { AddressSchema, InstanceIdSchema, MessageIdSchema, TopicNameSchema } from "./ids.js";
import { LIMITS } from "./limits.js";

export const MESSAGE_TYPES = ["task", "result", "question", "ack", "ping"] as const;
export const MessageTypeSchema = z.enum(MESSAGE_TYPES);
export type MessageType = z.infer<typeof MessageTypeSchema>;

/** UTF-8 byte length without allocating (no TextEncoder in the DOM-less lib). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Content is untrusted text from another agent; only its size is checked here. */
export const ContentSchema = z
  .string()
  .min(1, "must not be empty")
  // A UTF-16 unit is at most 3 UTF-8 bytes: most content is cleared without walking it.
  .refine(
    (s) =>
      s.length <= LIMITS.contentMaxBytes &&
      (s.length * 3 <= LIMITS.contentMaxBytes || utf8Length(s) <= LIMITS.contentMaxBytes),
    {
      message: `must be at most ${LIMITS.contentMaxBytes} bytes`,
    },
  );

/** Small, flat metadata: string keys, scalar values, bounded count and size. */
export const MetadataSchema = z
  .record(
    z.string().min(1).max(LIMITS.metadataKeyMaxLength),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  )
  .refine((m) => Object.keys(m).length <= LIMITS.metadataMaxKeys, {
    message: `must have at most ${LIMITS.metadataMaxKeys} keys`,
  })
  .refine((m) => utf8Length(JSON.stringify(m)) <= LIMITS.metadataMaxBytes, {
    message: `must serialize to at most ${LIMITS.metadataMaxBytes} bytes`,
  });
export type Metadata = z.infer<typeof MetadataSchema>;

/**
 * The envelope. Every field but content is written by the hub: `id` (UUIDv7, sortable),
 * `from` (the sender's registered identity, never the client's word), `timestamp`.
 */
export const MessageSchema = z.object({
  id: MessageIdSchema,
  from: InstanceIdSchema,
  /** The address as the sender wrote it (instance id, role:x, topic:x, broadcast). */
  to: AddressSchema,
  type: MessageTypeSchema,
  content: ContentSchema,
  /** ISO-8601, from the hub that accepted the message. */
  timestamp: z.string(),
  replyTo: MessageIdSchema.optional(),
  /** Set for messages published to a topic. */
  topic: TopicNameSchema.optional(),
  metadata: MetadataSchema.optional(),
  /** Length of the reply chain this message ends; the hub caps it to stop agent loops. */
  hops: z.number().int().nonnegative().optional(),
});
export type Message = z.infer<typeof MessageSchema>;

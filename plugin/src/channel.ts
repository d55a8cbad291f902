import type { Message } from "@cc2cc/shared";

export const CHANNEL_METHOD = "notifications/claude/channel";
export const CHANNEL_CAPABILITY = "claude/channel";
export const CHANNEL_SOURCE = "cc2cc";

export interface ChannelNotification {
  method: typeof CHANNEL_METHOD;
  params: { content: string; meta: Record<string, string> };
}

/**
 * One inbound message as a Claude Code channel event. Claude Code renders `meta` as attributes
 * of the `<channel>` tag and drops keys that are not identifiers, hence snake_case. `reply_to`
 * and `topic` appear only when the message has them: an empty attribute would read as a value.
 * Metadata stays out of the tag (free-form keys would be dropped); get_messages shows it.
 */
export function channelNotification(message: Message): ChannelNotification {
  const meta: Record<string, string> = {
    source: CHANNEL_SOURCE,
    from: message.from,
    type: message.type,
    message_id: message.id,
  };
  if (message.replyTo !== undefined) meta.reply_to = message.replyTo;
  if (message.topic !== undefined) meta.topic = message.topic;
  return { method: CHANNEL_METHOD, params: { content: message.content, meta } };
}

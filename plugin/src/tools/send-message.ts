import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { fields, sendView } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerSendMessageTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "send_message",
    {
      title: "Send a message to another session",
      description:
        "Send a typed message to another Claude Code session (or to every holder of a role, or a topic). " +
        "Direct and role messages are queued until the recipient reads them, so offline recipients get them " +
        "later. To answer a message you received, send to its `from` with replyToMessageId = its message_id. " +
        "Returns the messageId; track it with message_status. To delegate and block until the answer " +
        "arrives, use send_and_wait instead.",
      inputSchema: {
        to: fields.to,
        type: fields.type,
        content: fields.content,
        replyToMessageId: fields.replyToMessageId,
        metadata: fields.metadata,
      },
      annotations: { openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const result = await ctx.hub.request("send_message", {
          to: args.to,
          type: args.type,
          content: args.content,
          ...(args.replyToMessageId !== undefined ? { replyTo: args.replyToMessageId } : {}),
          ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
        });
        const view = sendView(result);
        const reach =
          result.recipients.length > 0
            ? `queued for ${result.recipients.join(", ")}`
            : `delivered live to ${result.liveRecipients ?? 0} session(s)`;
        return success(`Sent ${result.message.id} (${reach}).`, view);
      }),
  );
}

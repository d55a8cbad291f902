import { MessageIdSchema } from "@cc2cc/shared";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { runTool, success } from "./result.js";

const MEANING: Record<string, string> = {
  queued: "waiting in its queue (recipient offline or busy)",
  delivered: "handed to its plugin, not yet confirmed in the session",
  acknowledged: "pushed into its session: its model has it",
  replied: "answered",
};

export function registerMessageStatusTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "message_status",
    {
      title: "Where is my message?",
      description:
        "Tell where a message you sent is, per recipient: queued (waiting, recipient offline or busy), " +
        "delivered (reached its plugin), acknowledged (in its session, the model has it) or replied (with the " +
        "reply's id). Use it when an answer is slow to come, before resending.",
      inputSchema: {
        messageId: MessageIdSchema.describe("The messageId that send_message or publish_topic returned."),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const status = await ctx.hub.request("message_status", { messageId: args.messageId });
        const lines = status.recipients.map(
          (r) =>
            `${r.instanceId}: ${r.state}, ${MEANING[r.state] ?? ""}${r.replyId ? ` (reply ${r.replyId})` : ""}`,
        );
        const summary = lines.length > 0 ? lines.join("\n") : "No queued recipients (live-only message).";
        return success(`Message ${status.messageId} to ${status.to}:\n${summary}`, { ...status });
      }),
  );
}

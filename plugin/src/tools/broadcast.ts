import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { fields, sendView } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerBroadcastTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "broadcast",
    {
      title: "Broadcast to every online session",
      description:
        "Send one message to every session that is online right now. Fire-and-forget: nothing is queued for " +
        "offline sessions and nobody is expected to answer. Limited to one broadcast per few seconds per " +
        "sender; for regular updates publish to a topic, for work address a role or a session.",
      inputSchema: { type: fields.type, content: fields.content, metadata: fields.metadata },
      annotations: { openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const result = await ctx.hub.request("broadcast", {
          type: args.type,
          content: args.content,
          ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
        });
        return success(
          `Broadcast ${result.message.id} reached ${result.liveRecipients ?? 0} online session(s).`,
          sendView(result),
        );
      }),
  );
}

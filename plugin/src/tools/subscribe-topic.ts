import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { fields } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerSubscribeTopicTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "subscribe_topic",
    {
      title: "Subscribe to a topic",
      description:
        "Subscribe this session to a topic (created if it does not exist). Messages published there then " +
        "arrive as <channel> events with a topic attribute. Subscriptions survive reconnects and /clear. " +
        "Every session is already subscribed to its project's topic.",
      inputSchema: { topic: fields.topic },
      annotations: { idempotentHint: true, openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const result = await ctx.hub.request("subscribe_topic", { topic: args.topic });
        return success(`Subscribed to ${result.topic}.`, { ...result });
      }),
  );
}

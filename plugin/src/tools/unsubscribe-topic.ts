import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { fields } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerUnsubscribeTopicTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "unsubscribe_topic",
    {
      title: "Unsubscribe from a topic",
      description: "Stop receiving messages published to a topic.",
      inputSchema: { topic: fields.topic },
      annotations: { idempotentHint: true, openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const result = await ctx.hub.request("unsubscribe_topic", { topic: args.topic });
        return success(`Unsubscribed from ${result.topic}.`, { ...result });
      }),
  );
}

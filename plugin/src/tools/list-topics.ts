import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { runTool, success } from "./result.js";

export function registerListTopicsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "list_topics",
    {
      title: "List topics",
      description:
        "List the hub's topics with their subscriber counts, and the topics this session is subscribed to.",
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    () =>
      runTool(async () => {
        const [{ topics }, me] = await Promise.all([
          ctx.hub.request("list_topics", {}),
          ctx.hub.request("whoami", {}),
        ]);
        return success(`${topics.length} topic(s); you are subscribed to ${me.topics.length}.`, {
          topics,
          subscribed: me.topics,
        });
      }),
  );
}

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { runTool, success } from "./result.js";

export function registerListInstancesTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "list_instances",
    {
      title: "List cc2cc sessions",
      description:
        "List every Claude Code session known to the cc2cc hub: instance id, role, online state, and how many " +
        "messages wait in its queue. Use it to find the exact id or role to address before sending, and to " +
        "check whether a recipient is online.",
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    () =>
      runTool(async () => {
        const { instances } = await ctx.hub.request("list_instances", {});
        const online = instances.filter((i) => i.online).length;
        return success(`${instances.length} sessions, ${online} online. You are ${ctx.hub.instanceId}.`, {
          you: ctx.hub.instanceId,
          instances,
        });
      }),
  );
}

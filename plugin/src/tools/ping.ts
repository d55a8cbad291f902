import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { fields } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerPingTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "ping",
    {
      title: "Check that a session is alive",
      description:
        "Round-trip to another session's plugin and report the time it took. Proves the session is connected " +
        "right now (it does not interrupt its model). Fails with TIMEOUT when it does not answer.",
      inputSchema: { to: fields.to },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const result = await ctx.hub.request("ping", { to: args.to });
        return success(`${result.instanceId} answered in ${Math.round(result.rttMs)} ms.`, { ...result });
      }),
  );
}

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { success } from "./result.js";
import { scheduleIdField } from "./schedule-fields.js";
import { runScheduleTool } from "./schedule-view.js";

export function registerDeleteScheduleTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "delete_schedule",
    {
      title: "Delete a scheduled message",
      description:
        "Delete a schedule created from your address, with its history: it never fires again. Messages it " +
        "already sent stay delivered. To stop it for a while instead, update_schedule with enabled=false.",
      inputSchema: { scheduleId: scheduleIdField },
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    (args) =>
      runScheduleTool(async () => {
        const result = await ctx.hub.request("delete_schedule", { scheduleId: args.scheduleId });
        return success(`Deleted schedule ${result.scheduleId}; it will not fire again.`, { ...result });
      }),
  );
}

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { success } from "./result.js";
import { definedOnly, EXPRESSION_HELP, scheduleIdField, updateFields } from "./schedule-fields.js";
import { runScheduleTool, scheduleLine, scheduleView } from "./schedule-view.js";

export function registerUpdateScheduleTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "update_schedule",
    {
      title: "Change, pause or resume a scheduled message",
      description:
        "Change a schedule created from your address: pass only the fields to change (null clears an " +
        "optional one). enabled=false pauses it, enabled=true resumes it; a new expression or time zone " +
        `re-plans the next fire. ${EXPRESSION_HELP} Returns the schedule with its next fire time.`,
      inputSchema: { scheduleId: scheduleIdField, ...updateFields },
      annotations: { idempotentHint: true, openWorldHint: true },
    },
    (args) =>
      runScheduleTool(async () => {
        const schedule = await ctx.hub.request("update_schedule", definedOnly(args) as typeof args);
        return success(`Updated ${scheduleLine(schedule)}.`, scheduleView(schedule));
      }),
  );
}

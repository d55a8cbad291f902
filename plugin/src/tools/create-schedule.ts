import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { success } from "./result.js";
import { definedOnly, EXPRESSION_HELP, scheduleFields } from "./schedule-fields.js";
import { runScheduleTool, scheduleLine, scheduleView } from "./schedule-view.js";

export function registerCreateScheduleTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "create_schedule",
    {
      title: "Schedule a message",
      description:
        "Have the hub send a message later or repeatedly (stand-ups, periodic checks, reminders), even while " +
        "this session is gone. Each fire goes through normal delivery to the target. " +
        `${EXPRESSION_HELP} Returns the schedule with its plain-English description and next fire time; ` +
        "check that the description says what you meant. Only sessions of your address can change it later.",
      inputSchema: scheduleFields,
      annotations: { openWorldHint: true },
    },
    (args) =>
      runScheduleTool(async () => {
        const schedule = await ctx.hub.request("create_schedule", definedOnly(args) as typeof args);
        return success(`Created ${scheduleLine(schedule)}.`, scheduleView(schedule));
      }),
  );
}

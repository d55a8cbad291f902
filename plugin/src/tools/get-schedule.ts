import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { success } from "./result.js";
import { scheduleIdField } from "./schedule-fields.js";
import { fireLine, runScheduleTool, scheduleLine, scheduleView } from "./schedule-view.js";

/** Fires shown in the text summary; the structured result has the whole (bounded) history. */
const FIRES_IN_SUMMARY = 10;

export function registerGetScheduleTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "get_schedule",
    {
      title: "Show a scheduled message and its fire history",
      description:
        "Show one schedule: its settings, state, next fire time, and its fire history (newest first), each " +
        "fire with its outcome: sent (with the message id and how many recipients), refused (why: " +
        "UNKNOWN_RECIPIENT, QUEUE_FULL, RATE_LIMITED…) or missed (skipped while the hub was down). Use it " +
        "to check that a schedule works.",
      inputSchema: { scheduleId: scheduleIdField },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) =>
      runScheduleTool(async () => {
        const { schedule, fires } = await ctx.hub.request("get_schedule", { scheduleId: args.scheduleId });
        const history =
          fires.length === 0
            ? "Not fired yet."
            : `Last fires (newest first):\n${fires.slice(0, FIRES_IN_SUMMARY).map(fireLine).join("\n")}`;
        return success(`${scheduleLine(schedule)}\n${history}`, {
          schedule: scheduleView(schedule),
          fires,
        });
      }),
  );
}

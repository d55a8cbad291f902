import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "./context.js";
import { success } from "./result.js";
import { EXPRESSION_HELP } from "./schedule-fields.js";
import { runScheduleTool, scheduleLine, scheduleView } from "./schedule-view.js";

export function registerListSchedulesTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "list_schedules",
    {
      title: "List scheduled messages",
      description:
        "List the hub's scheduled messages: name, expression and its description, target, state (active, " +
        "paused, completed, expired), next fire time and how often each fired. mine=true lists only those " +
        `created from your address (the ones you may change). ${EXPRESSION_HELP}`,
      inputSchema: {
        mine: z
          .boolean()
          .optional()
          .describe("true: only schedules created from this session's address (user@host:project)."),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) =>
      runScheduleTool(async () => {
        const { schedules } = await ctx.hub.request("list_schedules", {
          ...(args.mine !== undefined ? { mine: args.mine } : {}),
        });
        const now = Date.now();
        const lines = schedules.map((s) => scheduleLine(s, now));
        const summary =
          schedules.length === 0
            ? `No schedules${args.mine ? " created from your address" : ""}.`
            : `${schedules.length} schedule(s):\n${lines.join("\n")}`;
        return success(summary, { schedules: schedules.map((s) => scheduleView(s, now)) });
      }),
  );
}

import { LIMITS } from "@cc2cc/shared";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "./context.js";
import { messageView } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerGetMessagesTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "get_messages",
    {
      title: "Read received messages",
      description:
        "Return messages received since the last get_messages call, oldest first, and confirm them to the hub. " +
        'Normally messages arrive by themselves as <channel source="cc2cc"> events and you do not need this; ' +
        "use it when no such events appear, or to catch up. Items with alreadyPushed=true were already shown " +
        "to you as <channel> events: skip any whose id you have handled.",
      inputSchema: {
        limit: z
          .number()
          .int()
          .min(1)
          .max(LIMITS.pollMax)
          .optional()
          .describe(`How many messages at most (default ${LIMITS.pollDefault}, max ${LIMITS.pollMax}).`),
      },
      annotations: { openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const limit = args.limit ?? LIMITS.pollDefault;
        const items = await ctx.delivery.collect(limit, async (max) => {
          const { messages } = await ctx.hub.request("get_messages", { limit: max });
          return messages;
        });
        const messages = items.map((i) => messageView(i.message, { alreadyPushed: i.alreadyPushed }));
        const left = ctx.delivery.stats().unread;
        return success(
          `${messages.length} message(s)${left > 0 ? `; ${left} more waiting, call again` : ""}.`,
          { messages, more: left },
        );
      }),
  );
}

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "./context.js";
import { fields, sendView } from "./fields.js";
import { runTool, success } from "./result.js";

export function registerPublishTopicTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "publish_topic",
    {
      title: "Publish to a topic",
      description:
        "Publish a message to every subscriber of a topic (not to yourself). By default only subscribers online " +
        "now receive it; with persistent=true it is queued for every subscriber, offline ones included, with " +
        "the same delivery guarantee as a direct message. The topic must exist (subscribe_topic creates it).",
      inputSchema: {
        topic: fields.topic,
        type: fields.type,
        content: fields.content,
        persistent: z
          .boolean()
          .optional()
          .describe("true: queue for every subscriber, offline ones included. Default false: live only."),
        replyToMessageId: fields.replyToMessageId,
        metadata: fields.metadata,
      },
      annotations: { openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const result = await ctx.hub.request("publish_topic", {
          topic: args.topic,
          type: args.type,
          content: args.content,
          ...(args.persistent !== undefined ? { persistent: args.persistent } : {}),
          ...(args.replyToMessageId !== undefined ? { replyTo: args.replyToMessageId } : {}),
          ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
        });
        const reach = args.persistent
          ? `queued for ${result.recipients.length} subscriber(s)`
          : `delivered live to ${result.liveRecipients ?? 0} subscriber(s)`;
        return success(`Published ${result.message.id} to ${args.topic} (${reach}).`, sendView(result));
      }),
  );
}

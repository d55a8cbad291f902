import { Cc2ccError } from "@cc2cc/shared";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "./context.js";
import { fields, messageView } from "./fields.js";
import { runTool, success } from "./result.js";

const PROGRESS_EVERY_MS = 10_000;

export function registerSendAndWaitTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "send_and_wait",
    {
      title: "Send a message and wait for the reply",
      description:
        "Send a message (like send_message) and block until the first reply to it arrives (a message whose " +
        "replyToMessageId is the sent message), then return that reply. Use it to delegate a task or ask a " +
        "question when you cannot continue without the answer; for work you can overlap, use send_message and " +
        "keep going. The reply also appears as a <channel> event: do not handle it twice. On timeout the message " +
        "stays valid and a late reply still arrives as a <channel> event.",
      inputSchema: {
        to: fields.to,
        type: fields.type,
        content: fields.content,
        timeoutSeconds: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .describe(
            "How long to wait for the reply, in seconds (1-3600). Agents often need minutes for a task.",
          ),
        metadata: fields.metadata,
      },
      annotations: { openWorldHint: true },
    },
    (args, extra) =>
      runTool(async () => {
        const sent = await ctx.hub.request("send_message", {
          to: args.to,
          type: args.type,
          content: args.content,
          ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
        });
        const messageId = sent.message.id;
        const started = Date.now();
        const token = extra._meta?.progressToken;
        // Progress keeps clients that reset their request timeout on progress waiting with us.
        const progress =
          token === undefined
            ? undefined
            : setInterval(() => {
                extra
                  .sendNotification({
                    method: "notifications/progress",
                    params: {
                      progressToken: token,
                      progress: Math.round((Date.now() - started) / 1000),
                      total: args.timeoutSeconds,
                      message: `waiting for a reply to ${messageId}`,
                    },
                  })
                  .catch(() => undefined);
              }, PROGRESS_EVERY_MS);
        let reply: Awaited<ReturnType<typeof ctx.delivery.waitForReply>>;
        try {
          reply = await ctx.delivery.waitForReply(messageId, args.timeoutSeconds * 1000, extra.signal);
        } finally {
          clearInterval(progress);
        }
        if (!reply) {
          const status = await ctx.hub.request("message_status", { messageId }).catch(() => undefined);
          const states = status?.recipients.map((r) => `${r.instanceId}: ${r.state}`).join(", ");
          throw new Cc2ccError(
            "TIMEOUT",
            `no reply to ${messageId} within ${args.timeoutSeconds}s${states ? ` (${states})` : ""}. The message ` +
              `stands; a later reply arrives as a <channel> event with reply_to="${messageId}"`,
            { details: { messageId, ...(status ? { status } : {}) } },
          );
        }
        return success(`Reply ${reply.id} from ${reply.from} (${reply.type}).`, {
          messageId,
          recipients: sent.recipients,
          reply: messageView(reply),
        });
      }),
  );
}

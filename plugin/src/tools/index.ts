import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerBroadcastTool } from "./broadcast.js";
import type { ToolContext } from "./context.js";
import { registerCreateScheduleTool } from "./create-schedule.js";
import { registerDeleteScheduleTool } from "./delete-schedule.js";
import { registerGetMessagesTool } from "./get-messages.js";
import { registerGetScheduleTool } from "./get-schedule.js";
import { registerListInstancesTool } from "./list-instances.js";
import { registerListSchedulesTool } from "./list-schedules.js";
import { registerListTopicsTool } from "./list-topics.js";
import { registerMessageStatusTool } from "./message-status.js";
import { registerPingTool } from "./ping.js";
import { registerPublishTopicTool } from "./publish-topic.js";
import { registerSendAndWaitTool } from "./send-and-wait.js";
import { registerSendMessageTool } from "./send-message.js";
import { registerSetRoleTool } from "./set-role.js";
import { registerSubscribeTopicTool } from "./subscribe-topic.js";
import { registerUnsubscribeTopicTool } from "./unsubscribe-topic.js";
import { registerUpdateScheduleTool } from "./update-schedule.js";
import { registerWhoamiTool } from "./whoami.js";

export type { ToolContext } from "./context.js";

export const TOOL_NAMES = [
  "list_instances",
  "send_message",
  "broadcast",
  "get_messages",
  "ping",
  "set_role",
  "subscribe_topic",
  "unsubscribe_topic",
  "list_topics",
  "publish_topic",
  "whoami",
  "send_and_wait",
  "message_status",
  "create_schedule",
  "list_schedules",
  "get_schedule",
  "update_schedule",
  "delete_schedule",
] as const;

export function registerTools(server: McpServer, ctx: ToolContext): void {
  registerListInstancesTool(server, ctx);
  registerSendMessageTool(server, ctx);
  registerBroadcastTool(server, ctx);
  registerGetMessagesTool(server, ctx);
  registerPingTool(server, ctx);
  registerSetRoleTool(server, ctx);
  registerSubscribeTopicTool(server, ctx);
  registerUnsubscribeTopicTool(server, ctx);
  registerListTopicsTool(server, ctx);
  registerPublishTopicTool(server, ctx);
  registerWhoamiTool(server, ctx);
  registerSendAndWaitTool(server, ctx);
  registerMessageStatusTool(server, ctx);
  registerCreateScheduleTool(server, ctx);
  registerListSchedulesTool(server, ctx);
  registerGetScheduleTool(server, ctx);
  registerUpdateScheduleTool(server, ctx);
  registerDeleteScheduleTool(server, ctx);
}

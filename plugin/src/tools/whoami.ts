import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { runTool, success } from "./result.js";

export function registerWhoamiTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "whoami",
    {
      title: "Show this session's cc2cc identity",
      description:
        "Show this session's instance id (what others use to address you), role, topics, the hub replica it " +
        "is connected to and the connection state. Answers even while disconnected, so it is the first thing " +
        "to call when messaging seems broken.",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    () =>
      runTool(async () => {
        const local = {
          instanceId: ctx.hub.instanceId,
          sessionId: ctx.sessionId(),
          liveDelivery: ctx.config.push,
          delivery: ctx.delivery.stats(),
          connection: ctx.hub.status(),
        };
        if (!ctx.hub.connected) {
          const why = local.connection.fatal ?? local.connection.lastProblem ?? "connecting";
          return success(`You are ${local.instanceId}, NOT connected to the hub (${why}).`, local);
        }
        const me = await ctx.hub.request("whoami", {});
        return success(
          `You are ${me.instance.instanceId}${me.instance.role ? ` (role:${me.instance.role})` : ""}, connected to ` +
            `replica ${me.replica}.`,
          { ...local, role: me.instance.role, topics: me.topics, replica: me.replica, instance: me.instance },
        );
      }),
  );
}

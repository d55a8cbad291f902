import { RoleNameSchema } from "@cc2cc/shared";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { runTool, success } from "./result.js";

export function registerSetRoleTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "set_role",
    {
      title: "Take or drop a role",
      description:
        "Give this session a role (e.g. reviewer, tester, frontend) so others can address it as role:<name> " +
        "without knowing its id; several sessions may hold the same role. Pass null to drop the role. The role " +
        "survives reconnects and /clear.",
      inputSchema: {
        role: RoleNameSchema.nullable().describe(
          "Role name: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit; null to drop the role.",
        ),
      },
      annotations: { idempotentHint: true, openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        const { instance } = await ctx.hub.request("set_role", { role: args.role });
        ctx.hub.setRole(instance.role);
        return success(instance.role ? `You now hold role:${instance.role}.` : "You hold no role now.", {
          instance,
        });
      }),
  );
}

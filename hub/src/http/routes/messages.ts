import { Cc2ccError, MessageIdSchema, OperatorSendBodySchema, parseOrThrow } from "@cc2cc/shared";
import { Hono } from "hono";
import type { HubContext } from "../../core/hub-context.js";
import type { AppEnv } from "../app-env.js";
import { jsonBody, requireDashboard } from "../body.js";

/** The operator's identity: a reserved username, so no plugin can register or spoof it. */
export const operatorId = (replica: string) => `operator@hub:cc2cc/${replica}`;

export function messageRoutes(ctx: HubContext) {
  const { messaging, engine, config } = ctx;
  return new Hono<AppEnv>()
    .post("/", async (c) => {
      requireDashboard(c);
      const body = await jsonBody(c, OperatorSendBodySchema);
      const result = await messaging.send(operatorId(config.replica), body);
      return c.json(result, 201);
    })
    .get("/:id/status", async (c) => {
      const id = parseOrThrow(MessageIdSchema, c.req.param("id"), "id");
      const status = await engine.getMessageStatus(id);
      if (!status) throw new Cc2ccError("NOT_FOUND", `no status kept for message ${id}`, { field: "id" });
      return c.json(status);
    });
}

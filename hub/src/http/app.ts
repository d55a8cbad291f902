import { Cc2ccError, HTTP_STATUS } from "@cc2cc/shared";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { v7 as uuidv7 } from "uuid";
import type { HubContext } from "../core/hub-context.js";
import { toErrorBody } from "../realtime/request-handler.js";
import type { AppEnv } from "./app-env.js";
import { dashboardAssets } from "./routes/dashboard-assets.js";
import { healthRoutes } from "./routes/health.js";
import { type HistoryDeps, historyRoutes } from "./routes/history.js";
import { instanceRoutes } from "./routes/instances.js";
import { messageRoutes } from "./routes/messages.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { statsRoutes } from "./routes/stats.js";
import { topicRoutes } from "./routes/topics.js";

/** The hub's HTTP surface: probes and metrics at the root, the keyed REST API under /api. */
export function createApp(ctx: HubContext, history?: HistoryDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    c.set("requestId", given && given.length <= 64 ? given : uuidv7());
    await next();
    c.header("x-request-id", c.get("requestId"));
  });
  if (ctx.config.corsOrigins.length > 0) {
    app.use(
      "/api/*",
      cors({ origin: ctx.config.corsOrigins, allowHeaders: ["Authorization", "Content-Type"] }),
    );
  }
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: ctx.config.maxContentBytes * 2 + 64 * 1024,
      onError: () => {
        throw new Cc2ccError("VALIDATION", "body: too large", { field: "body" });
      },
    }),
  );
  app.use("/api/*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const key = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    const power = ctx.keys.check(key);
    if (!power) throw new Cc2ccError("UNAUTHORIZED", "send a valid key as 'Authorization: Bearer <key>'");
    c.set("power", power);
    await next();
  });

  app.route("/", healthRoutes(ctx));
  app.route("/api/instances", instanceRoutes(ctx));
  app.route("/api/topics", topicRoutes(ctx));
  app.route("/api/messages", messageRoutes(ctx));
  app.route("/api/stats", statsRoutes(ctx));
  if (history) app.route("/api/history", historyRoutes(ctx, history));
  app.route("/api/schedules", scheduleRoutes(ctx));
  if (ctx.config.dashboardDir !== undefined) app.route("/", dashboardAssets(ctx.config.dashboardDir));

  app.notFound((c) => {
    const requestId = c.get("requestId");
    return c.json({ code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}`, requestId }, 404);
  });
  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? uuidv7();
    const body = toErrorBody(err, requestId, ctx.logger);
    return c.json(body, HTTP_STATUS[body.code] as 400);
  });
  return app;
}

import { Hono } from "hono";
import type { HubContext } from "../../core/hub-context.js";
import type { AppEnv } from "../app-env.js";

/** Probes and metrics. No key: they reveal no message, instance or key. */
export function healthRoutes(ctx: HubContext) {
  const { config, engine, metrics } = ctx;
  return new Hono<AppEnv>()
    .get("/health", (c) => c.json({ status: "ok" as const, replica: config.replica }))
    .get("/ready", async (c) => {
      const ready = !ctx.state.shuttingDown && (await engine.ping());
      return c.json(
        {
          status: ready ? ("ready" as const) : ("unavailable" as const),
          replica: config.replica,
          engine: engine.kind,
        },
        ready ? 200 : 503,
      );
    })
    .get("/metrics", async (c) => {
      const body = await metrics.registry.metrics();
      return c.body(body, 200, { "content-type": metrics.registry.contentType });
    });
}

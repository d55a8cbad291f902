import type { StatsResponse } from "@cc2cc/shared";
import { Hono } from "hono";
import type { HubContext } from "../../core/hub-context.js";
import type { AppEnv } from "../app-env.js";

export function statsRoutes(ctx: HubContext) {
  const { engine, config } = ctx;
  return new Hono<AppEnv>().get("/", async (c) => {
    const [instances, topics, messagesToday] = await Promise.all([
      engine.listInstances(),
      engine.listTopics(),
      engine.messagesToday(),
    ]);
    const online = instances.filter((i) => i.online).length;
    const body: StatsResponse = {
      replica: config.replica,
      engine: engine.kind,
      instances: { online, offline: instances.length - online },
      topics: topics.length,
      queued: instances.reduce((n, i) => n + i.queueDepth, 0),
      processing: instances.reduce((n, i) => n + i.processing, 0),
      messagesToday,
    };
    return c.json(body);
  });
}

import { Cc2ccError, CreateTopicBodySchema, parseOrThrow, TopicNameSchema } from "@cc2cc/shared";
import { Hono } from "hono";
import { type HubContext, nowIso } from "../../core/hub-context.js";
import type { AppEnv } from "../app-env.js";
import { jsonBody, requireDashboard } from "../body.js";

export function topicRoutes(ctx: HubContext) {
  const { engine, fanout, config } = ctx;
  const nameParam = (raw: string) => parseOrThrow(TopicNameSchema, raw, "name");
  return new Hono<AppEnv>()
    .get("/", async (c) => c.json({ topics: await engine.listTopics() }))
    .post("/", async (c) => {
      requireDashboard(c);
      const body = await jsonBody(c, CreateTopicBodySchema);
      const { topic, created } = await engine.createTopic(body.name, { keep: body.keep ?? false });
      if (created) fanout.event({ type: "topic:created", at: nowIso(), replica: config.replica, topic });
      return c.json({ topic, created }, created ? 201 : 200);
    })
    .get("/:name/subscribers", async (c) => {
      const name = nameParam(c.req.param("name"));
      const subscribers = await engine.topicSubscribers(name);
      if (subscribers === null) throw new Cc2ccError("NOT_FOUND", `no topic ${name}`, { field: "name" });
      return c.json({ topic: name, subscribers });
    })
    .delete("/:name", async (c) => {
      requireDashboard(c);
      const name = nameParam(c.req.param("name"));
      if (!(await engine.deleteTopic(name)))
        throw new Cc2ccError("NOT_FOUND", `no topic ${name}`, { field: "name" });
      fanout.dropTopic(name);
      fanout.event({ type: "topic:deleted", at: nowIso(), replica: config.replica, topic: name });
      return c.json({ deleted: name });
    });
}

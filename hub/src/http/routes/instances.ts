import { Cc2ccError, InstanceIdSchema, MessageIdSchema, parseOrThrow } from "@cc2cc/shared";
import { Hono } from "hono";
import { z } from "zod";
import { type HubContext, nowIso } from "../../core/hub-context.js";
import type { AppEnv } from "../app-env.js";
import { requireDashboard } from "../body.js";

const LimitSchema = z.coerce.number().int().min(1).max(1000).default(100);

export function instanceRoutes(ctx: HubContext) {
  const { engine, fanout, config } = ctx;
  const idParam = (raw: string) => parseOrThrow(InstanceIdSchema, raw, "id");
  return new Hono<AppEnv>()
    .get("/", async (c) => c.json({ instances: await engine.listInstances() }))
    .get("/:id", async (c) => {
      const id = idParam(c.req.param("id"));
      const instance = await engine.getInstance(id);
      if (!instance) throw new Cc2ccError("NOT_FOUND", `no instance ${id}`, { field: "id" });
      return c.json({ instance, topics: await engine.instanceTopics(id) });
    })
    .delete("/:id", async (c) => {
      requireDashboard(c);
      const id = idParam(c.req.param("id"));
      await engine.removeInstance(id);
      fanout.event({ type: "instance:removed", at: nowIso(), replica: config.replica, instanceId: id });
      return c.json({ removed: id });
    })
    .get("/:id/queue", async (c) => {
      const id = idParam(c.req.param("id"));
      if (!(await engine.getInstance(id)))
        throw new Cc2ccError("NOT_FOUND", `no instance ${id}`, { field: "id" });
      const limit = parseOrThrow(LimitSchema, c.req.query("limit"), "limit");
      const [stats, peeked, deadLetters] = await Promise.all([
        engine.queueStats(id),
        engine.peek(id, limit),
        engine.deadLetterCount(id),
      ]);
      return c.json({ stats: { ...stats, deadLetters }, ...peeked });
    })
    .delete("/:id/queue", async (c) => {
      requireDashboard(c);
      const id = idParam(c.req.param("id"));
      if (!(await engine.getInstance(id)))
        throw new Cc2ccError("NOT_FOUND", `no instance ${id}`, { field: "id" });
      const removed = await engine.flush(id);
      fanout.event({ type: "queue:flushed", at: nowIso(), replica: config.replica, instanceId: id, removed });
      return c.json({ removed });
    })
    .get("/:id/dead-letters", async (c) => {
      const id = idParam(c.req.param("id"));
      const limit = parseOrThrow(LimitSchema, c.req.query("limit"), "limit");
      const deadLetters = (await engine.deadLetters(id, limit)).map((d) => ({
        ...d,
        deadAt: new Date(d.deadAt).toISOString(),
      }));
      return c.json({ deadLetters });
    })
    .post("/:id/dead-letters/:messageId/replay", async (c) => {
      requireDashboard(c);
      const id = idParam(c.req.param("id"));
      const messageId = parseOrThrow(MessageIdSchema, c.req.param("messageId"), "messageId");
      if (!(await engine.replayDeadLetter(id, messageId))) {
        throw new Cc2ccError("NOT_FOUND", `no dead letter ${messageId} for ${id}`, { field: "messageId" });
      }
      fanout.wake([id]);
      return c.json({ replayed: messageId });
    })
    .delete("/:id/dead-letters/:messageId", async (c) => {
      requireDashboard(c);
      const id = idParam(c.req.param("id"));
      const messageId = parseOrThrow(MessageIdSchema, c.req.param("messageId"), "messageId");
      if (!(await engine.discardDeadLetter(id, messageId))) {
        throw new Cc2ccError("NOT_FOUND", `no dead letter ${messageId} for ${id}`, { field: "messageId" });
      }
      return c.json({ discarded: messageId });
    });
}

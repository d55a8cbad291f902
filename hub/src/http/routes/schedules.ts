import {
  CreateScheduleBodySchema,
  parseOrThrow,
  SCHEDULE_LIMITS,
  ScheduleIdSchema,
  SchedulePreviewBodySchema,
  UpdateScheduleBodySchema,
} from "@cc2cc/shared";
import { Hono } from "hono";
import { z } from "zod";
import type { HubContext } from "../../core/hub-context.js";
import type { AppEnv } from "../app-env.js";
import { jsonBody, requireDashboard } from "../body.js";
import { operatorId } from "./messages.js";

const LimitSchema = z.coerce.number().int().min(1).max(SCHEDULE_LIMITS.historyMax);
const CreatedBySchema = z.string().min(1).max(300);

/** /api/schedules: reads with any key, writes with the dashboard key (as the operator). */
export function scheduleRoutes(ctx: HubContext) {
  const { schedules } = ctx;
  const operator = () => ({ kind: "operator" as const, id: operatorId(ctx.config.replica) });
  const idOf = (raw: string) => parseOrThrow(ScheduleIdSchema, raw, "id");
  return new Hono<AppEnv>()
    .get("/", async (c) => {
      const raw = c.req.query("createdBy");
      const createdBy = raw === undefined ? undefined : parseOrThrow(CreatedBySchema, raw, "createdBy");
      return c.json({ schedules: await schedules.list({ createdBy }) });
    })
    .post("/", async (c) => {
      requireDashboard(c);
      const body = await jsonBody(c, CreateScheduleBodySchema);
      return c.json(await schedules.create(body, operator()), 201);
    })
    .post("/preview", async (c) => {
      const body = await jsonBody(c, SchedulePreviewBodySchema);
      return c.json(await schedules.preview(body));
    })
    .get("/:id", async (c) => c.json(await schedules.get(idOf(c.req.param("id")))))
    .patch("/:id", async (c) => {
      requireDashboard(c);
      const id = idOf(c.req.param("id"));
      const body = await jsonBody(c, UpdateScheduleBodySchema);
      return c.json(await schedules.update(id, body, operator()));
    })
    .delete("/:id", async (c) => {
      requireDashboard(c);
      return c.json(await schedules.remove(idOf(c.req.param("id")), operator()));
    })
    .post("/:id/fire", async (c) => {
      requireDashboard(c);
      return c.json(await schedules.fireNow(idOf(c.req.param("id")), operator()));
    })
    .get("/:id/fires", async (c) => {
      const raw = c.req.query("limit");
      const limit = raw === undefined ? SCHEDULE_LIMITS.historyMax : parseOrThrow(LimitSchema, raw, "limit");
      return c.json({ fires: await schedules.fires(idOf(c.req.param("id")), limit) });
    });
}

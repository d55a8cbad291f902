import {
  AnalyticsQuerySchema,
  Cc2ccError,
  HistoryQuerySchema,
  MessageIdSchema,
  type MessageRecord,
  parseOrThrow,
  ThreadQuerySchema,
} from "@cc2cc/shared";
import { Hono } from "hono";
import type { HubContext } from "../../core/hub-context.js";
import { analytics } from "../../history/analytics.js";
import type { HistoryStore } from "../../history/history-store.js";
import type { HistoryRecorder } from "../../history/recorder.js";
import { clusterView } from "../../history/replica-beat.js";
import type { AppEnv } from "../app-env.js";
import { requireDashboard } from "../body.js";

export interface HistoryDeps {
  store: HistoryStore;
  recorder: HistoryRecorder;
}

/**
 * `/api/history`: the log with filters and paging, one message by id, threads, analytics and
 * the cluster. History holds every instance's message content, so it needs dashboard powers.
 * Reads first flush this replica's pending events, so what it just did is in the answer.
 */
export function historyRoutes(ctx: HubContext, { store, recorder }: HistoryDeps) {
  const idParam = (raw: string, field: string) => parseOrThrow(MessageIdSchema, raw, field);
  return new Hono<AppEnv>()
    .use("*", async (c, next) => {
      requireDashboard(c);
      await recorder.flush();
      await next();
    })
    .get("/", async (c) => c.json(await store.list(parseOrThrow(HistoryQuerySchema, c.req.query()))))
    .get("/messages/:id", async (c) => {
      const id = idParam(c.req.param("id"), "id");
      const [found, status] = await Promise.all([store.message(id), ctx.engine.getMessageStatus(id)]);
      if (!found) throw new Cc2ccError("NOT_FOUND", `message ${id} is not in the history`, { field: "id" });
      const body: MessageRecord = { ...found, status };
      return c.json(body);
    })
    .get("/threads", async (c) => c.json(await store.threads(parseOrThrow(ThreadQuerySchema, c.req.query()))))
    .get("/threads/:rootId", async (c) => {
      const rootId = idParam(c.req.param("rootId"), "rootId");
      const thread = await store.thread(rootId);
      if (!thread)
        throw new Cc2ccError("NOT_FOUND", `no thread ${rootId} in the history`, { field: "rootId" });
      return c.json(thread);
    })
    .get("/analytics", async (c) => {
      const { range } = parseOrThrow(AnalyticsQuerySchema, c.req.query());
      return c.json(await analytics(store, range, Date.now()));
    })
    .get("/cluster", async (c) =>
      c.json(await clusterView(store, ctx.config.heartbeatIntervalMs, Date.now())),
    );
}

import {
  ErrorBodySchema,
  HealthResponseSchema,
  InstancesResponseSchema,
  MessageStatusSchema,
  QueueResponseSchema,
  ReadyResponseSchema,
  SendResultSchema,
  StatsResponseSchema,
  TopicSubscribersResponseSchema,
  TopicsResponseSchema,
} from "@cc2cc/shared";
import { describe, expect, test } from "vitest";
import { DASHBOARD_KEY, PLUGIN_KEY } from "../helpers/hub-process.js";
import { makeInstanceId, makeSecret } from "../helpers/test-client.js";
import { ENGINES, type Stack, sleep, uniq, withStack } from "./stack.js";

interface ApiResult {
  status: number;
  body: unknown;
}

/** REST under /api and the probes, as a dashboard or a script calls them. */
describe.each(ENGINES)(
  "REST and probes (%s engine)",
  (engine) => {
    let stack: Stack;

    withStack({ engine }, (s) => {
      stack = s;
    });

    async function api(
      method: string,
      path: string,
      opts: { key?: string | null; body?: unknown; rawBody?: string } = {},
    ): Promise<ApiResult> {
      const headers: Record<string, string> = {};
      const key = opts.key === undefined ? DASHBOARD_KEY : opts.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (opts.rawBody !== undefined || opts.body !== undefined) {
        headers["content-type"] = "application/json";
        body = opts.rawBody ?? JSON.stringify(opts.body);
      }
      const res = await stack.hub.fetch(path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (metrics); keep the text
      }
      return { status: res.status, body: parsed };
    }

    function expectApiError(r: ApiResult, status: number, code: string, field?: string): void {
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      const err = ErrorBodySchema.parse(r.body);
      expect(err.code).toBe(code);
      if (field !== undefined) expect(err.field).toBe(field);
    }

    const enc = encodeURIComponent;

    test("/health, /ready and /metrics answer without a key; metrics carry cc2cc_ series", async () => {
      const health = await api("GET", "/health", { key: null });
      expect(health.status).toBe(200);
      expect(HealthResponseSchema.parse(health.body)).toEqual({ status: "ok", replica: stack.hub.replica });
      const ready = await api("GET", "/ready", { key: null });
      expect(ready.status).toBe(200);
      expect(ReadyResponseSchema.parse(ready.body)).toMatchObject({ status: "ready", engine });

      const a = await stack.client();
      const b = await stack.client();
      const sent = await a.send(b.instanceId, "count me");
      if (!sent.ok) throw new Error(JSON.stringify(sent.error));
      await b.waitForDelivery((m) => m.id === sent.data.message.id);
      const metrics = await api("GET", "/metrics", { key: null });
      expect(metrics.status).toBe(200);
      const text = String(metrics.body);
      const series = [
        "cc2cc_messages_accepted_total",
        "cc2cc_messages_delivered_total",
        "cc2cc_messages_acked_total",
        "cc2cc_queue_depth",
        "cc2cc_connections",
        "cc2cc_rate_limited_total",
        "cc2cc_delivery_latency_seconds_bucket",
        "cc2cc_process_cpu_user_seconds_total",
      ];
      for (const s of series) expect(text, s).toContain(s);
      expect(text).toMatch(/cc2cc_messages_accepted_total\{[^}]*type="task"[^}]*\} [1-9]/);
      console.log(`metrics(${engine}): cc2cc_series=${new Set(text.match(/^cc2cc_[a-z_]+/gm)).size}`);
    });

    test("every /api call needs a Bearer key; a missing, wrong or query-string key is UNAUTHORIZED", async () => {
      expectApiError(await api("GET", "/api/instances", { key: null }), 401, "UNAUTHORIZED");
      expectApiError(await api("GET", "/api/instances", { key: "not-a-valid-key" }), 401, "UNAUTHORIZED");
      expectApiError(
        await api("GET", `/api/instances?key=${PLUGIN_KEY}`, { key: null }),
        401,
        "UNAUTHORIZED",
      );
      expect((await api("GET", "/api/instances", { key: PLUGIN_KEY })).status).toBe(200);
      expect((await api("GET", "/api/instances", { key: DASHBOARD_KEY })).status).toBe(200);
    });

    test("instances and queues: inspect with any key, flush only with the dashboard key", async () => {
      const a = await stack.client();
      const secret = makeSecret();
      const b = await stack.client({ secret });
      b.close();
      await stack.waitPresence(b.instanceId, false);
      const ids: string[] = [];
      for (const n of [0, 1]) {
        const r = await a.send(b.instanceId, `queued ${n}`);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        ids.push(r.data.message.id);
      }
      const list = InstancesResponseSchema.parse(
        (await api("GET", "/api/instances", { key: PLUGIN_KEY })).body,
      );
      expect(list.instances.find((i) => i.instanceId === b.instanceId)).toMatchObject({
        online: false,
        queueDepth: 2,
      });

      const q = await api("GET", `/api/instances/${enc(b.instanceId)}/queue`, { key: PLUGIN_KEY });
      expect(q.status).toBe(200);
      const queue = QueueResponseSchema.parse(q.body);
      expect(queue.stats).toMatchObject({ instanceId: b.instanceId, pending: 2, processing: 0 });
      expect(queue.pending.map((m) => m.id)).toEqual(ids);

      expectApiError(
        await api("DELETE", `/api/instances/${enc(b.instanceId)}/queue`, { key: PLUGIN_KEY }),
        403,
        "FORBIDDEN",
      );
      const flushed = await api("DELETE", `/api/instances/${enc(b.instanceId)}/queue`);
      expect(flushed).toEqual({ status: 200, body: { removed: 2 } });
      const after = QueueResponseSchema.parse(
        (await api("GET", `/api/instances/${enc(b.instanceId)}/queue`)).body,
      );
      expect(after.stats).toMatchObject({ pending: 0, processing: 0 });

      const back = await stack.client({ instanceId: b.instanceId, secret });
      await new Promise((r) => setTimeout(r, 300));
      expect(back.deliveries).toHaveLength(0);

      const ghost = makeInstanceId(uniq("ghost"));
      expectApiError(await api("GET", `/api/instances/${enc(ghost)}/queue`), 404, "NOT_FOUND");
      expectApiError(await api("GET", "/api/instances/not-an-id/queue"), 400, "VALIDATION", "id");
    });

    test("topics: create (dashboard key), list, subscribers, delete", async () => {
      const name = uniq("rest");
      expectApiError(await api("POST", "/api/topics", { key: PLUGIN_KEY, body: { name } }), 403, "FORBIDDEN");
      const created = await api("POST", "/api/topics", { body: { name, keep: true } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ created: true, topic: { name, keep: true, subscribers: 0 } });
      expect((await api("POST", "/api/topics", { body: { name } })).body).toMatchObject({ created: false });

      const c = await stack.client();
      await c.ok("subscribe_topic", { topic: name });
      const topics = TopicsResponseSchema.parse((await api("GET", "/api/topics", { key: PLUGIN_KEY })).body);
      expect(topics.topics.find((t) => t.name === name)).toMatchObject({ subscribers: 1 });
      const subs = TopicSubscribersResponseSchema.parse(
        (await api("GET", `/api/topics/${name}/subscribers`)).body,
      );
      expect(subs).toEqual({ topic: name, subscribers: [c.instanceId] });

      expectApiError(await api("DELETE", `/api/topics/${name}`, { key: PLUGIN_KEY }), 403, "FORBIDDEN");
      expect((await api("DELETE", `/api/topics/${name}`)).status).toBe(200);
      expectApiError(await api("GET", `/api/topics/${name}/subscribers`), 404, "NOT_FOUND");
      expect((await c.ok("list_topics", {})).topics.some((t) => t.name === name)).toBe(false);
      expect((await c.ok("whoami", {})).topics).not.toContain(name);

      expectApiError(
        await api("POST", "/api/topics", { body: { name: "-bad name-" } }),
        400,
        "VALIDATION",
        "name",
      );
      expectApiError(await api("POST", "/api/topics", { rawBody: "{not json" }), 400, "VALIDATION", "body");
    });

    test("POST /api/messages sends as the operator with the dashboard key only", async () => {
      const c = await stack.client();
      const body = { to: c.instanceId, type: "task", content: "from the operator" };
      expectApiError(await api("POST", "/api/messages", { key: PLUGIN_KEY, body }), 403, "FORBIDDEN");
      const sent = await api("POST", "/api/messages", { body });
      expect(sent.status).toBe(201);
      const result = SendResultSchema.parse(sent.body);
      expect(result.recipients).toEqual([c.instanceId]);
      const got = await c.waitForDelivery((m) => m.id === result.message.id);
      expect(got.message.from.startsWith("operator@")).toBe(true);
      expect(got.requiresAck).toBe(true);
      // The client acknowledges what it gets: the status, read from the queue, follows.
      const statusOf = async () =>
        MessageStatusSchema.parse((await api("GET", `/api/messages/${result.message.id}/status`)).body);
      const deadline = Date.now() + 3000;
      let status = await statusOf();
      while (status.recipients[0]?.state !== "acknowledged" && Date.now() < deadline) {
        await sleep(50);
        status = await statusOf();
      }
      expect(status).toMatchObject({
        messageId: result.message.id,
        from: result.message.from,
        to: c.instanceId,
        acceptedAt: result.message.timestamp,
        recipients: [{ instanceId: c.instanceId, state: "acknowledged" }],
      });
      expectApiError(await api("GET", "/api/messages/no-such-message/status"), 404, "NOT_FOUND", "id");

      const ghost = makeInstanceId(uniq("ghost"));
      expectApiError(
        await api("POST", "/api/messages", { body: { ...body, to: ghost } }),
        404,
        "UNKNOWN_RECIPIENT",
      );
      expectApiError(
        await api("POST", "/api/messages", { body: { ...body, type: "nope" } }),
        400,
        "VALIDATION",
        "type",
      );
    });

    test("GET /api/stats counts instances, queues and today's messages", async () => {
      const a = await stack.client();
      const b = await stack.client();
      const r = await a.send(b.instanceId, "count me today");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await b.waitForDelivery((m) => m.id === r.data.message.id);
      const stats = StatsResponseSchema.parse((await api("GET", "/api/stats", { key: PLUGIN_KEY })).body);
      expect(stats).toMatchObject({ replica: stack.hub.replica, engine });
      expect(stats.instances.online).toBeGreaterThanOrEqual(1);
      expect(stats.messagesToday.task ?? 0).toBeGreaterThanOrEqual(1);
      console.log(
        `stats(${engine}): online=${stats.instances.online} offline=${stats.instances.offline} topics=${stats.topics} ` +
          `today=${JSON.stringify(stats.messagesToday)}`,
      );
    });
  },
  20_000,
);

import { randomBytes, randomUUID } from "node:crypto";
import {
  AnalyticsResponseSchema,
  ClusterResponseSchema,
  HistoryPageSchema,
  type Message,
  MessageRecordSchema,
  type MessagesFrame,
  PROTOCOL_VERSION,
  type Reply,
  type SendResult,
  ThreadDetailSchema,
  ThreadPageSchema,
} from "@cc2cc/shared";
import pino from "pino";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { type RunningHub, startHub } from "../../src/server.js";
import { RedisServer } from "../helpers/redis-server.js";

const PLUGIN_KEY = "routes-plugin-key-0001";
const DASHBOARD_KEY = "routes-dashboard-key-0001";

async function hub(replica: string, redisUrl?: string): Promise<RunningHub> {
  const config = loadConfig({
    CC2CC_HUB_API_KEY: PLUGIN_KEY,
    CC2CC_DASHBOARD_API_KEY: DASHBOARD_KEY,
    CC2CC_HUB_PORT: "0",
    CC2CC_HUB_HOST: "127.0.0.1",
    CC2CC_REPLICA_NAME: replica,
    CC2CC_HEARTBEAT_INTERVAL: "200",
    CC2CC_PRESENCE_TTL: "2000",
    CC2CC_SHUTDOWN_GRACE: "1000",
    ...(redisUrl ? { CC2CC_REDIS_URL: redisUrl, CC2CC_REDIS_PREFIX: "routes:" } : {}),
  });
  return startHub(config, pino({ level: "silent" }));
}

/** A plugin that acks whatever it is handed, as the real one does once the model has it. */
async function plugin(port: number, user: string): Promise<{ id: string; socket: Socket; got: Message[] }> {
  const id = `${user}@host:hist/${randomUUID()}`;
  const socket = io(`http://127.0.0.1:${port}/plugin`, {
    transports: ["websocket"],
    reconnection: false,
    auth: {
      key: PLUGIN_KEY,
      protocolVersion: PROTOCOL_VERSION,
      instanceId: id,
      secret: randomBytes(16).toString("hex"),
    },
  });
  const got: Message[] = [];
  socket.on("messages", (frame: MessagesFrame) => {
    got.push(...frame.messages);
    if (frame.requiresAck) socket.emit("ack", { messageIds: frame.messages.map((m) => m.id) }, () => {});
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("welcome", () => resolve());
    socket.once("connect_error", reject);
  });
  return { id, socket, got };
}

function send(socket: Socket, req: Record<string, unknown>): Promise<SendResult> {
  return new Promise((resolve, reject) =>
    socket.emit("send_message", req, (r: Reply<SendResult>) => (r.ok ? resolve(r.data) : reject(r.error))),
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const engine of ["memory", "redis"] as const) {
  describe(`/api/history on the ${engine} engine`, () => {
    let redis: RedisServer | undefined;
    const hubs: RunningHub[] = [];
    const sockets: Socket[] = [];
    const api = (path: string, key = DASHBOARD_KEY, replica = 0) =>
      fetch(`http://127.0.0.1:${hubs[replica]!.port}/api/history${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });

    beforeAll(async () => {
      if (engine === "redis") {
        redis = await RedisServer.start({ aof: false });
        // Two replicas on one Redis: what one logs, the other lists.
        const [a, b] = await Promise.all([hub("ra", redis.url), hub("rb", redis.url)]);
        hubs.push(a, b);
      } else hubs.push(await hub("solo"));
    });

    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      for (const h of hubs) await h.shutdown();
      await redis?.close();
    });

    it("needs a dashboard key", async () => {
      expect((await api("", PLUGIN_KEY)).status).toBe(403);
      expect((await api("", "wrong-key-000000")).status).toBe(401);
      const bad = await api("?type=nonsense");
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: "VALIDATION", field: "type" });
    });

    it("logs messages with acks and threads, and serves analytics and the cluster", async () => {
      const alice = await plugin(hubs[0]!.port, "alice");
      const bob = await plugin(hubs.at(-1)!.port, "bob");
      sockets.push(alice.socket, bob.socket);
      const task = await send(alice.socket, { to: bob.id, type: "task", content: "Run the **tests**" });
      await until("bob's delivery", async () => (bob.got.length > 0 ? true : undefined));
      const reply = await send(bob.socket, {
        to: alice.id,
        type: "result",
        content: "All green",
        replyTo: task.message.id,
      });

      const reader = hubs.length - 1;
      const page = HistoryPageSchema.parse(
        await (await api(`?type=task&instance=${encodeURIComponent(bob.id)}`, DASHBOARD_KEY, reader)).json(),
      );
      expect(page.entries.map((e) => e.event.type === "message:sent" && e.event.message.id)).toEqual([
        task.message.id,
      ]);

      const record = await until("the ack in the history", async () => {
        const r = MessageRecordSchema.parse(
          await (await api(`/messages/${task.message.id}`, DASHBOARD_KEY, reader)).json(),
        );
        return r.acks.length > 0 ? r : undefined;
      });
      expect(record).toMatchObject({
        rootId: task.message.id,
        recipients: [bob.id],
        acks: [{ instanceId: bob.id }],
      });
      expect(record.status?.recipients[0]?.state).toBe("replied");
      expect((await api("/messages/0190f0c8-0000-7000-8000-000000000000")).status).toBe(404);

      const threads = ThreadPageSchema.parse(
        await (await api("/threads?limit=5", DASHBOARD_KEY, reader)).json(),
      );
      expect(threads.threads[0]).toMatchObject({ rootId: task.message.id, messages: 2 });
      const detail = ThreadDetailSchema.parse(await (await api(`/threads/${task.message.id}`)).json());
      expect(detail.messages.map((m) => m.message.id)).toEqual([task.message.id, reply.message.id]);

      // Each replica writes its counters once a second: the reply, counted by the other, may lag.
      const stats = await until("both messages counted", async () => {
        const a = AnalyticsResponseSchema.parse(await (await api("/analytics?range=6h")).json());
        return a.totals.task === 1 && a.totals.result === 1 ? a : undefined;
      });
      expect(stats.totals).toMatchObject({ task: 1, result: 1 });
      expect(stats.edges).toContainEqual({ from: alice.id, to: bob.id, count: 1 });
      expect(stats.latency.samples).toBeGreaterThanOrEqual(1);

      const cluster = await until("every replica's record", async () => {
        const c = ClusterResponseSchema.parse(await (await api("/cluster")).json());
        const plugins = c.replicas.reduce((n, r) => n + r.connections.plugin, 0);
        return c.replicas.length === hubs.length && plugins === 2 ? c : undefined;
      });
      expect(cluster.replicas.every((r) => r.state === "live" && r.engine === engine)).toBe(true);
      expect(cluster.replicas.reduce((n, r) => n + r.totals.messages, 0)).toBe(2);
    });
  });
}

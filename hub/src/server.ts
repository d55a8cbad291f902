import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Registry } from "prom-client";
import { KeyRing } from "./auth.js";
import type { HubConfig } from "./config.js";
import type { HubContext } from "./core/hub-context.js";
import { nowIso } from "./core/hub-context.js";
import { instrumentEngine } from "./core/instrumented-engine.js";
import { Messaging } from "./core/messaging.js";
import { openEngine } from "./engine/open-engine.js";
import { openHistory, teeEvents } from "./history/open-history.js";
import { HistoryRecorder } from "./history/recorder.js";
import { startReplicaBeat } from "./history/replica-beat.js";
import { createApp } from "./http/app.js";
import type { Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { setupDashboardNamespace } from "./realtime/dashboard-namespace.js";
import { LocalConnections } from "./realtime/local-connections.js";
import { setupPluginNamespace } from "./realtime/plugin-namespace.js";
import { SocketFanout } from "./realtime/socket-fanout.js";
import { createSocketServer } from "./realtime/socket-server.js";
import { createSchedules } from "./scheduler/open-schedules.js";

export interface RunningHub {
  port: number;
  ctx: HubContext;
  /** Graceful: refuse new work, finish what is in flight, hand sockets to other replicas. */
  shutdown(): Promise<void>;
}

export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const opened = await openEngine(config, logger);
  const metrics = createMetrics(new Registry(), {
    queueDepth: async () => {
      const depths = (await opened.engine.listInstances()).map((i) => i.queueDepth);
      return { total: depths.reduce((n, d) => n + d, 0), max: Math.max(0, ...depths) };
    },
  });
  const engine = instrumentEngine(opened.engine, metrics);
  for (const c of opened.adapterClients ? [opened.adapterClients.pub, opened.adapterClients.sub] : []) {
    c.on("error", () => metrics.adapterErrors.inc());
  }
  const state = { shuttingDown: false, inflight: 0 };
  const conns = new LocalConnections();

  // socket.io must wrap the server's request listener when it attaches; hono arrives later.
  let listener: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const http = createServer((req, res) => listener(req, res));
  const { io, plugin, dashboard } = createSocketServer(http, config, opened.adapterClients);
  const history = openHistory(opened, config);
  const recorder = new HistoryRecorder(history, logger);
  // Every event this replica emits is also logged once, by this replica, in the shared history.
  const fanout = teeEvents(
    new SocketFanout(plugin, dashboard, opened.adapterClients !== undefined, (ids) => conns.wake(ids)),
    (e) => recorder.record(e),
  );
  const messaging = new Messaging({
    engine,
    fanout,
    metrics,
    logger,
    config,
    localPump: config.handover ? (id) => conns.get(id)?.pump : undefined,
  });
  const base: Omit<HubContext, "schedules"> = {
    config,
    engine,
    messaging,
    fanout,
    metrics,
    logger,
    keys: new KeyRing(config.pluginKeys, config.dashboardKeys),
    state,
  };
  const schedules = createSchedules(opened, base);
  const ctx: HubContext = { ...base, schedules: schedules.service };
  setupPluginNamespace(plugin, ctx, conns);
  setupDashboardNamespace(dashboard, ctx);
  listener = getRequestListener(createApp(ctx, { store: history, recorder }).fetch);
  const replicaBeat = startReplicaBeat({
    store: history,
    recorder,
    logger,
    replica: config.replica,
    engine: engine.kind,
    intervalMs: config.heartbeatIntervalMs,
    counts: () => ({ plugin: plugin.sockets.size, dashboard: dashboard.sockets.size, instances: conns.size }),
  });

  // Another replica's enqueue found the queue of an instance held here empty (engine-side
  // wake-up, addressed to this replica only).
  const stopWakes = engine.onWake(config.replica, (instanceId) => void conns.wake([instanceId]));
  const heartbeat = setInterval(() => {
    engine.heartbeat(conns.held()).then(
      (stale) => {
        for (const id of stale) {
          const held = conns.get(id);
          held?.pump.stop();
          held?.socket.disconnect(true);
        }
        // A lost cross-replica wake-up (Redis pub/sub outage) costs at most one heartbeat of latency.
        conns.wakeAll();
      },
      (err: unknown) => logger.warn({ err: String(err) }, "heartbeat failed"),
    );
  }, config.heartbeatIntervalMs);
  const reaper = setInterval(() => {
    engine.reap().then(
      (r) => {
        if (r.requeued > 0) metrics.redelivered.inc(r.requeued);
        for (const instanceId of r.wentOffline) {
          fanout.event({ type: "instance:disconnected", at: nowIso(), replica: config.replica, instanceId });
        }
        for (const instanceId of r.removed) {
          fanout.event({ type: "instance:removed", at: nowIso(), replica: config.replica, instanceId });
        }
        for (const topic of r.topicsExpired) {
          fanout.dropTopic(topic);
          fanout.event({ type: "topic:deleted", at: nowIso(), replica: config.replica, topic });
        }
      },
      (err: unknown) => logger.warn({ err: String(err) }, "reaper failed"),
    );
  }, config.reaperIntervalMs);

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  logger.info({ port, engine: engine.kind }, "hub listening");
  schedules.scheduler.start();

  async function shutdown(): Promise<void> {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    clearInterval(heartbeat);
    clearInterval(reaper);
    stopWakes();
    const deadline = Date.now() + config.shutdownGraceMs;
    // Fires in flight finish while the engine is up; unfinished leases lapse to other replicas.
    await schedules.scheduler.stop(Math.max(0, deadline - Date.now() - 1000));
    logger.info({ connections: conns.size }, "shutting down: draining in-flight requests");
    while (state.inflight > 0 && Date.now() < deadline - 500) await new Promise((r) => setTimeout(r, 20));
    const held = conns.all();
    for (const h of held) {
      h.pump.stop();
      h.socket.emit("notice", {
        code: "SHUTTING_DOWN",
        message: "this replica is shutting down; reconnecting",
      });
    }
    // Hand unacked messages back to the queue before the clients reach another replica.
    await Promise.allSettled(held.map((h) => engine.disconnect(h.socket.data.instanceId, h.socket.id)));
    for (const h of held) h.socket.conn.close();
    for (const s of dashboard.sockets.values()) s.conn.close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await replicaBeat.stop();
    await recorder.close();
    await history.close();
    await opened.close();
    logger.info("shutdown complete");
  }

  return { port, ctx, shutdown };
}

import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Every series the hub exports, on a registry passed in (never the global one), so tests and
 * several hubs in one process do not collide.
 */
export function createMetrics(
  registry: Registry,
  opts: { queueDepth: () => Promise<{ total: number; max: number }> },
) {
  collectDefaultMetrics({ register: registry, prefix: "cc2cc_" });
  const registers = [registry];
  // One store read serves both depth gauges of a scrape.
  let depthRead: Promise<{ total: number; max: number }> | undefined;
  const readDepth = () => {
    depthRead ??= opts.queueDepth().finally(() => {
      setTimeout(() => {
        depthRead = undefined;
      }, 1000).unref();
    });
    return depthRead;
  };
  return {
    registry,
    accepted: new Counter({
      name: "cc2cc_messages_accepted_total",
      help: "Messages accepted from senders, by type and kind (direct, role, topic, broadcast).",
      labelNames: ["type", "kind"] as const,
      registers,
    }),
    delivered: new Counter({
      name: "cc2cc_messages_delivered_total",
      help: "Queued messages handed to a plugin connection (including redeliveries).",
      registers,
    }),
    acked: new Counter({
      name: "cc2cc_messages_acked_total",
      help: "Queued messages acknowledged by their recipient's plugin.",
      registers,
    }),
    redelivered: new Counter({
      name: "cc2cc_messages_redelivered_total",
      help: "Unacknowledged messages put back in front of their queue (reconnects, dead replicas).",
      registers,
    }),
    refused: new Counter({
      name: "cc2cc_messages_refused_total",
      help: "Sends refused, by error code.",
      labelNames: ["code"] as const,
      registers,
    }),
    latency: new Histogram({
      name: "cc2cc_delivery_latency_seconds",
      help: "Time from acceptance to the recipient's acknowledgement, for messages acked on this replica.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers,
    }),
    queueDepth: new Gauge({
      name: "cc2cc_queue_depth",
      help: "Pending messages summed over all queues.",
      registers,
      async collect() {
        try {
          this.set((await readDepth()).total);
        } catch {
          // A store outage shows in cc2cc_engine_errors_total; keep the last value.
        }
      },
    }),
    queueDepthMax: new Gauge({
      name: "cc2cc_queue_depth_max",
      help: "Pending messages in the deepest single queue.",
      registers,
      async collect() {
        try {
          this.set((await readDepth()).max);
        } catch {
          // as above
        }
      },
    }),
    engineDuration: new Histogram({
      name: "cc2cc_engine_operation_duration_seconds",
      help: "Time of each engine (Redis) operation as the hub sees it, by operation.",
      labelNames: ["operation"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers,
    }),
    adapterErrors: new Counter({
      name: "cc2cc_adapter_errors_total",
      help: "Errors on the socket.io Redis adapter's pub/sub connections.",
      registers,
    }),
    connections: new Gauge({
      name: "cc2cc_connections",
      help: "Open socket.io connections on this replica, by namespace.",
      labelNames: ["namespace"] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: "cc2cc_rate_limited_total",
      help: "Requests refused by a rate limit, by kind (broadcast, frames).",
      labelNames: ["kind"] as const,
      registers,
    }),
    engineErrors: new Counter({
      name: "cc2cc_engine_errors_total",
      help: "Operations that failed because the store (Redis) was unavailable.",
      registers,
    }),
    frames: new Counter({
      name: "cc2cc_frames_total",
      help: "Client frames received, by event (unknown events count as 'unknown').",
      labelNames: ["event"] as const,
      registers,
    }),
    scheduleFires: new Counter({
      name: "cc2cc_schedule_fires_total",
      help: "Schedule fires recorded by this replica, by outcome (sent, refused, missed).",
      labelNames: ["outcome", "trigger"] as const,
      registers,
    }),
    scheduleLag: new Histogram({
      name: "cc2cc_schedule_fire_lag_seconds",
      help: "Time from a fire's planned time to its send, for on-time scheduled fires.",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    schedules: new Gauge({
      name: "cc2cc_schedules",
      help: "Schedules stored (all replicas), as this replica last counted them.",
      registers,
    }),
    badFrames: new Counter({
      name: "cc2cc_bad_frames_total",
      help: "Client frames refused as invalid, by event.",
      labelNames: ["event"] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

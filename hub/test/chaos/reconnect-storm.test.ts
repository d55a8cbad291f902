import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { DASHBOARD_KEY, PLUGIN_KEY } from "../helpers/hub-process.js";
import type { TestClient } from "../helpers/test-client.js";
import { Child } from "./support/child.js";
import { Cluster, THROUGHPUT_ENV } from "./support/cluster.js";
import { Ledger, printLine, report } from "./support/ledger.js";
import { eventLoopLagMaxMs } from "./support/proc-stats.js";
import { pool, sleep, trackedSend } from "./support/stream.js";

const INSTANCES = 1000;
const CHILDREN = 4;
const PER_CHILD = INSTANCES / CHILDREN;
const QUEUED_ROUNDS = 3;
const HEALTH_BUDGET_MS = 200;

interface ProbeReport {
  replicas: Array<{ url: string; n: number; max: number; p99: number; failures: number }>;
}

/**
 * A thousand plugin connections, spread over four child processes and three replicas, go away
 * and come back at the same moment: first a clean disconnect with messages queued meanwhile,
 * then a network blip that drops every transport at once while new messages are sent. A probe
 * process times /health on every replica the whole while.
 */
describe("reconnect storm: 1,000 instances at once", () => {
  let cluster: Cluster;
  const storm: Child[] = [];
  let probe: Child | undefined;
  const prefix = `s${Date.now().toString(36)}`;
  const ids = Array.from({ length: INSTANCES }, (_, n) => `storm${n}@chaos-host:storm/${prefix}-${n}`);

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      // Production timers (the helpers' defaults are shortened for presence tests): with a
      // thousand instances, a 500 ms heartbeat and reaper would be twenty times the real load.
      env: {
        ...THROUGHPUT_ENV,
        CC2CC_LOG_LEVEL: "warn",
        CC2CC_PRESENCE_TTL: "30s",
        CC2CC_HEARTBEAT_INTERVAL: "10s",
        CC2CC_REAPER_INTERVAL: "15s",
      },
    });
  }, 60_000);
  afterAll(async () => {
    await probe?.kill9();
    for (const c of storm) await c.kill9();
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  async function all(cmd: string, event: string, timeoutMs: number): Promise<number[]> {
    const before = storm.map((c) => c.of(event).length);
    for (const c of storm) c.send({ cmd });
    await Promise.all(
      storm.map((c, i) =>
        c.waitFor(() => c.of(event).length > before[i]!, timeoutMs, `${event} from child ${i}`),
      ),
    );
    return storm.map((c) => Number(c.of(event).at(-1)!.ms ?? 0));
  }

  /** Every child's delivery log, into the ledger. */
  async function collect(ledger: Ledger): Promise<void> {
    const before = storm.map((c) => c.of("report").length);
    for (const c of storm) c.send({ cmd: "report" });
    await Promise.all(
      storm.map((c, i) => c.waitFor(() => c.of("report").length > before[i]!, 20_000, "report")),
    );
    for (const c of storm) {
      const seen = c.of("report").at(-1)!.seen as Record<string, Array<[string, string]>>;
      for (const [id, list] of Object.entries(seen)) {
        ledger.observe(
          id,
          list.map(([mid, key]) => ({ id: mid, key: key || undefined })),
        );
      }
    }
  }

  function round(senders: TestClient[], ledger: Ledger, r: number): Promise<void> {
    const sender = senders[r % senders.length]!;
    return pool([...ids.keys()], 48, async (n) => {
      await trackedSend(sender, ledger, "op", r * INSTANCES + n, ids[n]!, 20_000);
    });
  }

  test("/health stays under 200 ms, every queue drains, nothing accepted is lost", async () => {
    const urls = cluster.hubs.map((h) => h.url).join(",");
    for (let k = 0; k < CHILDREN; k++) {
      storm.push(
        new Child(
          "storm-child.ts",
          {
            CHAOS_URLS: urls,
            CHAOS_COUNT: String(PER_CHILD),
            CHAOS_OFFSET: String(k * PER_CHILD),
            CHAOS_PREFIX: prefix,
            CHAOS_KEY: PLUGIN_KEY,
          },
          { nice: 19 },
        ),
      );
    }
    const connectMs = await all("connect", "connected", 120_000);
    const senders = [
      await cluster.client({ url: cluster.hub(0).url }),
      await cluster.client({ url: cluster.hub(1).url }),
    ];
    await all("disconnect", "disconnected", 10_000);
    const ledger = new Ledger();
    const queuedStarted = Date.now();
    for (let r = 0; r < QUEUED_ROUNDS; r++) await round(senders, ledger, r);
    const queuedMs = Date.now() - queuedStarted;

    probe = new Child("probe-child.ts", { CHAOS_URLS: urls, CHAOS_INTERVAL_MS: "20" });
    await probe.waitFor(() => probe!.of("started").length > 0, 10_000, "the health probe");
    // Scraping resets prom-client's event-loop histogram: the next scrape covers the storms only.
    for (const h of cluster.hubs) await eventLoopLagMaxMs(h.url);
    await sleep(300);

    // Storm 1: everyone comes back at once to a queue of three messages, while a fourth round
    // of messages is sent into the storm.
    const [reconnectMs] = await Promise.all([
      all("reconnect", "reconnected", 120_000),
      round(senders, ledger, QUEUED_ROUNDS),
    ]);
    // Storm 2: every transport drops at once (a network blip); socket.io-client reconnects.
    const [dropMs] = await Promise.all([
      all("drop", "dropped", 120_000),
      round(senders, ledger, QUEUED_ROUNDS + 1),
    ]);

    const drainStarted = Date.now();
    await collect(ledger);
    while (ledger.pending() > 0 && Date.now() - drainStarted < 60_000) {
      await sleep(1000);
      await collect(ledger);
    }
    const drainMs = Date.now() - drainStarted;
    const loopLag = await Promise.all(cluster.hubs.map((h) => eventLoopLagMaxMs(h.url)));
    await probe.stop(10_000);
    const health = probe.of("report").at(-1) as unknown as ProbeReport;

    const res = await cluster.live.fetch("/api/stats", {
      headers: { authorization: `Bearer ${DASHBOARD_KEY}` },
    });
    const stats = (await res.json()) as { queued: number; processing: number; instances: { online: number } };
    const s = ledger.summary();
    const healthMax = Math.max(...health.replicas.map((r) => r.max));
    report("reconnect-storm", s, {
      instances: INSTANCES,
      connect_ms_max: Math.max(...connectMs),
      queue_fill_ms: queuedMs,
      storm1_reconnect_ms_max: Math.max(...reconnectMs),
      storm2_drop_ms_max: Math.max(...dropMs),
      drain_ms: drainMs,
      health_max_ms: healthMax,
      health_p99_ms: Math.max(...health.replicas.map((r) => r.p99)),
      health_samples: health.replicas.reduce((n, r) => n + r.n, 0),
      health_failures: health.replicas.reduce((n, r) => n + r.failures, 0),
      hub_event_loop_lag_max_ms: Math.max(...loopLag),
      queued_after: stats.queued,
      processing_after: stats.processing,
      online_after: stats.instances.online,
    });
    printLine(
      "reconnect-storm-health",
      Object.fromEntries(health.replicas.map((r) => [r.url, `${r.max}/${r.p99}`])),
    );
    expect(s.accepted).toBe(INSTANCES * (QUEUED_ROUNDS + 2));
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(stats.queued + stats.processing).toBe(0);
    expect(health.replicas.reduce((n, r) => n + r.failures, 0)).toBe(0);
    expect(healthMax, "the slowest /health answer during the storms").toBeLessThan(HEALTH_BUDGET_MS);
  }, 300_000);
});

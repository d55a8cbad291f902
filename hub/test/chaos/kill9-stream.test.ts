import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { DASHBOARD_KEY } from "../helpers/hub-process.js";
import type { TestClient } from "../helpers/test-client.js";
import { Cluster, THROUGHPUT_ENV } from "./support/cluster.js";
import { Ledger, report } from "./support/ledger.js";
import { Rng } from "./support/random.js";
import { drain, runStream, seenBy, sleep } from "./support/stream.js";

const STREAM_MS = 60_000;
const SENDERS = 4;
const RECIPIENTS = 6;
const WINDOW = 32;

/**
 * Every few seconds a random one of three replicas is killed with SIGKILL and started again on
 * its port, while four senders stream to six recipients for a minute. Everyone reaches the
 * replicas through a round-robin ingress stand-in, so each kill drops senders and recipients
 * alike and they come back on whichever replica the ingress picks.
 */
describe("kill -9 of a random replica every few seconds, 60 s stream", () => {
  let cluster: Cluster;
  const rng = new Rng();

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      ingress: true,
      env: {
        ...THROUGHPUT_ENV,
        CC2CC_QUEUE_MAX: "20000",
        CC2CC_INFLIGHT_WINDOW: String(WINDOW),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  test("no accepted message is lost, per-sender order holds, every queue ends empty", async () => {
    const recipients: TestClient[] = [];
    for (let i = 0; i < RECIPIENTS; i++) recipients.push(await cluster.client({}));
    const senders: TestClient[] = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await cluster.client({}));
    const spread = new Set([...recipients, ...senders].map((c) => c.welcome.replica));
    expect(spread.size, "the ingress spreads clients over the replicas").toBe(3);

    const ledger = new Ledger();
    const kills: string[] = [];
    const restartMs: number[] = [];
    let streaming = true;
    const killer = (async () => {
      await sleep(3000);
      while (streaming) {
        const i = rng.int(0, 2);
        await cluster.kill9(i);
        kills.push(cluster.names[i]!);
        const t0 = Date.now();
        await cluster.restart(i);
        restartMs.push(Date.now() - t0);
        const pause = rng.int(3000, 6000);
        const until = Date.now() + pause;
        while (streaming && Date.now() < until) await sleep(100);
      }
    })();
    const started = Date.now();
    await runStream({ senders, recipients, ledger, durationMs: STREAM_MS, pauseMs: 15, maxPerSender: 6000 });
    const streamMs = Date.now() - started;
    streaming = false;
    await killer;

    const observe = () => {
      for (const r of recipients) ledger.observe(r.instanceId, seenBy(r));
    };
    const drained = await drain(ledger, observe, 60_000);
    const s = ledger.summary();
    const reconnects = recipients.reduce((n, r) => n + r.welcomes.length - 1, 0);
    report("kill9-stream", s, {
      seed: rng.seed,
      kills: kills.length,
      killed: kills.join(","),
      restart_ms_max: Math.max(...restartMs),
      recipient_reconnects: reconnects,
      stream_ms: streamMs,
      drain_ms: drained.ms,
      duplicate_bound: (kills.length + reconnects) * WINDOW,
    });
    expect(kills.length, "at least one kill every six seconds").toBeGreaterThanOrEqual(8);
    expect(s.accepted).toBeGreaterThan(1000);
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(s.duplicated).toBeLessThanOrEqual(reconnects * WINDOW);
    for (const c of [...recipients, ...senders]) expect(c.badFrames).toEqual([]);

    // Nothing is left pending or in flight anywhere once the acks have landed.
    const deadline = Date.now() + 10_000;
    let left = Number.POSITIVE_INFINITY;
    while (left > 0 && Date.now() < deadline) {
      const res = await cluster.live.fetch("/api/stats", {
        headers: { authorization: `Bearer ${DASHBOARD_KEY}` },
      });
      const stats = (await res.json()) as { queued: number; processing: number };
      left = stats.queued + stats.processing;
      if (left > 0) await sleep(200);
    }
    expect(left).toBe(0);
  }, 240_000);
});

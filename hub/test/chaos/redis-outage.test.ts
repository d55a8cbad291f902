import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeSecret, type TestClient, waitUntil } from "../helpers/test-client.js";
import { Cluster, THROUGHPUT_ENV } from "./support/cluster.js";
import { Ledger, printLine, report } from "./support/ledger.js";
import { drain, runStream, seenBy, sleep } from "./support/stream.js";

const OUTAGE_MS = 5000;
const WINDOW = 16;

async function readyStatus(url: string): Promise<number | "timeout"> {
  try {
    const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1500) });
    return res.status;
  } catch {
    return "timeout";
  }
}

/**
 * Redis itself goes away: killed with SIGKILL mid-stream, down for five seconds, started
 * again from its append-only file. Sends during the outage must be refused (never accepted and
 * then lost); afterwards delivery resumes on its own and every accepted message arrives.
 */
describe("Redis killed for 5 s and restarted from its AOF, mid-stream across 3 replicas", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      ingress: true,
      env: { ...THROUGHPUT_ENV, CC2CC_INFLIGHT_WINDOW: String(WINDOW) },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  test("outage sends are ENGINE_UNAVAILABLE, nothing accepted is lost, delivery resumes", async () => {
    const online: TestClient[] = [];
    for (let i = 0; i < 4; i++) online.push(await cluster.client({}));
    const offline: Array<{ instanceId: string; secret: string }> = [];
    for (let i = 0; i < 2; i++) {
      const secret = makeSecret();
      const c = await cluster.client({ secret });
      offline.push({ instanceId: c.instanceId, secret });
      c.close();
    }
    const senders: TestClient[] = [];
    for (let i = 0; i < 3; i++) senders.push(await cluster.client({}));
    const recipients = [...online, ...offline];

    const ledger = new Ledger();
    let downAt = 0;
    let restartAt = 0;
    let upAt = 0;
    const readyDuring: Array<number | "timeout"> = [];
    const outage = (async () => {
      await sleep(5000);
      await cluster.redis.stop("SIGKILL");
      downAt = Date.now();
      await sleep(OUTAGE_MS / 2);
      for (const h of cluster.hubs) readyDuring.push(await readyStatus(h.url));
      await sleep(downAt + OUTAGE_MS - Date.now());
      restartAt = Date.now();
      await cluster.redis.startProcess();
      upAt = Date.now();
    })();
    await runStream({ senders, recipients, ledger, durationMs: 20_000, pauseMs: 10, maxPerSender: 4000 });
    await outage;

    const back: TestClient[] = [];
    for (const o of offline) back.push(await cluster.client({ instanceId: o.instanceId, secret: o.secret }));
    const observe = () => {
      for (const r of [...online, ...back]) ledger.observe(r.instanceId, seenBy(r));
    };
    const drained = await drain(ledger, observe, 60_000);

    // From the kill until the restart began: Redis was certainly not there.
    const during = ledger.within(downAt, restartAt);
    const duringAccepted = during.filter((s) => s.outcome.kind === "accepted").length;
    const duringCodes = new Map<string, number>();
    for (const s of during) {
      const code = s.outcome.kind === "refused" ? s.outcome.code : s.outcome.kind;
      duringCodes.set(code, (duringCodes.get(code) ?? 0) + 1);
    }
    const refusalMs = Math.max(0, ...during.map((s) => s.endedAt - s.startedAt));
    const firstAcceptedAfter = ledger
      .after(upAt)
      .filter((s) => s.outcome.kind === "accepted")
      .reduce((min, s) => Math.min(min, s.endedAt), Number.POSITIVE_INFINITY);
    const serverDisconnects = [...online, ...senders].reduce(
      (n, c) => n + c.disconnects.filter((r) => r === "io server disconnect").length,
      0,
    );
    const s = ledger.summary();
    report("redis-outage", s, {
      outage_ms: restartAt - downAt,
      aof_reload_ms: upAt - restartAt,
      during_outage: Object.fromEntries(duringCodes),
      during_outage_accepted: duringAccepted,
      refusal_ms_max: refusalMs,
      resume_ms: firstAcceptedAfter - upAt,
      ready_during_outage: readyDuring.join(","),
      server_disconnects: serverDisconnects,
      drain_ms: drained.ms,
    });
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(during.length, "sends happened during the outage").toBeGreaterThan(10);
    expect(duringAccepted).toBe(0);
    expect([...duringCodes.keys()]).toEqual(["ENGINE_UNAVAILABLE"]);
    expect(refusalMs, "a refusal comes at once, not after Redis returns").toBeLessThan(OUTAGE_MS);
    expect(readyDuring.every((r) => r === 503)).toBe(true);
    expect(firstAcceptedAfter - upAt, "sends are accepted again soon after Redis is back").toBeLessThan(5000);
    for (const c of [...online, ...back, ...senders]) expect(c.badFrames).toEqual([]);
  }, 180_000);
});

/**
 * One replica loses Redis while the others keep it: packets between them are held, as in a
 * switch failure, for longer than the presence TTL. The other replicas must carry on, the
 * reaper must take over the cut-off replica's instances, and after the heal nothing is lost.
 */
describe("network partition between one replica and Redis", () => {
  let cluster: Cluster;
  const PARTITION_MS = 6000;

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      proxied: [0],
      env: { ...THROUGHPUT_ENV, CC2CC_INFLIGHT_WINDOW: String(WINDOW) },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  test("the rest of the cluster carries on; nothing accepted is lost after the heal", async () => {
    const [c1, c2, c3] = cluster.hubs as [typeof cluster.live, typeof cluster.live, typeof cluster.live];
    const cutOff = [await cluster.client({ url: c1.url }), await cluster.client({ url: c1.url })];
    const healthy = [await cluster.client({ url: c2.url }), await cluster.client({ url: c3.url })];
    const senders = [
      await cluster.client({ url: c2.url }),
      await cluster.client({ url: c3.url }),
      await cluster.client({ url: c1.url }),
    ];
    const proxy = cluster.proxies.get(0)!;
    const ledger = new Ledger();
    let cutAt = 0;
    let healAt = 0;
    const probes = { health: [] as number[], ready: [] as Array<number | "timeout"> };
    const partition = (async () => {
      await sleep(4000);
      proxy.partition();
      cutAt = Date.now();
      while (Date.now() - cutAt < PARTITION_MS) {
        const t0 = Date.now();
        await fetch(`${c1.url}/health`, { signal: AbortSignal.timeout(2000) });
        probes.health.push(Date.now() - t0);
        probes.ready.push(await readyStatus(c1.url));
        await sleep(500);
      }
      proxy.heal();
      healAt = Date.now();
    })();
    await runStream({
      senders,
      recipients: [...cutOff, ...healthy],
      ledger,
      durationMs: 18_000,
      pauseMs: 15,
      maxPerSender: 3000,
    });
    await partition;
    const all = [...cutOff, ...healthy];
    const observe = () => {
      for (const r of all) ledger.observe(r.instanceId, seenBy(r));
    };
    const drained = await drain(ledger, observe, 60_000);
    const during = ledger.within(cutAt, healAt);
    const healthyDuring = healthy.reduce(
      (n, r) => n + r.deliveries.filter((d) => d.at >= cutAt && d.at <= healAt).length,
      0,
    );
    const cutOffSenderMax = Math.max(
      0,
      ...ledger
        .after(cutAt - 1000)
        .filter((s) => s.sender === "s2" && s.startedAt <= healAt)
        .map((s) => s.endedAt - s.startedAt),
    );
    const s = ledger.summary();
    report("replica-redis-partition", s, {
      partition_ms: healAt - cutAt,
      sends_during: during.length,
      healthy_deliveries_during: healthyDuring,
      cut_off_sender_latency_ms_max: cutOffSenderMax,
      c1_health_ms_max: Math.max(...probes.health),
      c1_ready_during: [...new Set(probes.ready)].join(","),
      cut_off_reconnects: cutOff.reduce((n, c) => n + c.welcomes.length - 1, 0),
      drain_ms: drained.ms,
    });
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(healthyDuring, "replicas that still reach Redis keep delivering").toBeGreaterThan(50);
    expect(Math.max(...probes.health)).toBeLessThan(1000);
    expect(probes.ready.includes(200), "a replica that cannot reach Redis is not ready").toBe(false);
    for (const c of [...all, ...senders]) expect(c.badFrames).toEqual([]);
  }, 180_000);
});

/**
 * What the docs call Redis loss: a Redis without persistence restarts empty. Queued messages
 * are gone (that is the documented price of running without AOF); the hub must notice, let its
 * plugins register again and carry on.
 */
describe("Redis without AOF restarts empty", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ replicas: 1, aof: false, env: { ...THROUGHPUT_ENV } });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  test("queued messages are lost as documented; plugins re-register and traffic flows again", async () => {
    const hub = cluster.live;
    const a = await cluster.client({ url: hub.url });
    const b = await cluster.client({ url: hub.url, autoAck: false });
    const secret = makeSecret();
    const parked = await cluster.client({ url: hub.url, secret });
    parked.close();
    const queued = 50;
    for (let i = 0; i < queued; i++) expect((await a.send(parked.instanceId, `parked ${i}`)).ok).toBe(true);
    await cluster.redis.restart("SIGKILL");
    const restartedAt = Date.now();
    await hub.waitReady(15_000);
    // The hub finds its connections no longer registered and drops them; the plugins re-register.
    await waitUntil(
      () => a.welcomes.length >= 2 && b.welcomes.length >= 2,
      20_000,
      "both live plugins registered again",
    );
    const reregisterMs = Math.max(a.welcomeTimes[1]!, b.welcomeTimes[1]!) - restartedAt;
    const after = await a.send(b.instanceId, "after the loss");
    if (!after.ok) throw new Error(JSON.stringify(after.error));
    await b.waitForDelivery((m) => m.id === after.data.message.id, 10_000);
    const back = await cluster.client({ url: hub.url, instanceId: parked.instanceId, secret });
    await sleep(1000);
    printLine("redis-loss-no-aof", {
      queued_before: queued,
      delivered_after: back.deliveries.length,
      lost: queued - back.deliveries.length,
      reregister_ms: reregisterMs,
    });
    expect(back.deliveries.length).toBe(0);
  }, 60_000);
});

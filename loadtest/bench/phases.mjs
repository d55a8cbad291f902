// The benchmark's measurements. Each takes running hubs and generators, is bounded in time,
// and returns plain data for the report.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { collectGarbage, memoryUsage } from "../lib/inspector.mjs";
import { commandStats, procCpuSeconds, sleep } from "../lib/procs.mjs";
import { makeSpec, onAll } from "./generators.mjs";
import { addCounts, deltaCounts, median, r0, r2, sum, summarizeLatency } from "./stats.mjs";

const wall = () => performance.timeOrigin + performance.now();

/**
 * CPU seconds the whole machine spent busy (all cores) outside interrupt context, and in it,
 * from /proc/stat (Linux). Loopback TCP is mostly softirq work that no process is charged for.
 */
function machineSeconds() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return { busy: (f[0] + f[1] + f[2] + f[7]) / 100, irq: (f[5] + f[6]) / 100 };
  } catch {
    return { busy: Number.NaN, irq: Number.NaN };
  }
}

/** This process (the orchestrator) counts as ours too. */
const selfSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU seconds of every process in the run, to tell which one binds. */
function cpuSnapshot(cluster, gens) {
  return {
    at: performance.now(),
    machine: machineSeconds(),
    self: selfSeconds(),
    hubs: cluster.hubs.map((h) => h.cpuSeconds()),
    redis: procCpuSeconds(cluster.redis.pid),
    gens: gens.map((g) => g.cpuSeconds()),
  };
}

/** Percent of one core each process used between two snapshots. */
function cpuShares(a, b) {
  const secs = (b.at - a.at) / 1000;
  const pct = (x, y) => r0(((y - x) / secs) * 100);
  const ours = (s) =>
    s.hubs.reduce((n, x) => n + x, 0) + s.redis + s.gens.reduce((n, x) => n + x, 0) + s.self;
  return {
    hubs: a.hubs.map((x, i) => pct(x, b.hubs[i])),
    redis: pct(a.redis, b.redis),
    generators: a.gens.map((x, i) => pct(x, b.gens[i])),
    // Everything else on the machine meanwhile (other users of a shared box): a run where this
    // is large measured the neighbours as much as the hub.
    others: Math.max(0, pct(a.machine.busy - ours(a), b.machine.busy - ours(b))),
    // Interrupt time (softirq: loopback TCP between all of the above), charged to no process.
    irq: pct(a.machine.irq, b.machine.irq),
  };
}

/** CPU microseconds each kind of process spent per message between two snapshots. */
function cpuPerMessage(a, b, messages) {
  const us = (secs) => r2((secs / Math.max(1, messages)) * 1e6);
  return {
    hubs: us(b.hubs.reduce((n, x, i) => n + x - a.hubs[i], 0)),
    redis: us(b.redis - a.redis),
    generators: us(b.gens.reduce((n, x, i) => n + x - a.gens[i], 0)),
  };
}

/**
 * `count` sender/recipient pairs. Sender i talks to replica i mod n and its recipient to the
 * next replica, so with several replicas every message crosses replicas (the wake-up goes
 * through the adapter). Both ends of a pair live in one generator, so latency is one clock.
 */
export async function connectPairs(gens, hubs, count) {
  const byGen = gens.map(() => []);
  const specsByGen = gens.map(() => []);
  for (let i = 0; i < count; i++) {
    const g = i % gens.length;
    const s = makeSpec(hubs[i % hubs.length].url, "bench-direct", `s${i}`);
    const r = makeSpec(hubs[(i + 1) % hubs.length].url, "bench-direct", `r${i}`);
    specsByGen[g].push(s, r);
    byGen[g].push({ sender: s.instanceId, recipient: r.instanceId });
  }
  const results = await onAll(gens, "connect", (i) => ({ specs: specsByGen[i], concurrency: 20 }), 60_000);
  const connected = sum(results.map((r) => r.connected));
  if (connected !== count * 2) {
    throw new Error(
      `only ${connected}/${count * 2} pair instances connected: ${JSON.stringify(results.map((r) => r.errors))}`,
    );
  }
  return byGen;
}

function mergeDirect(results) {
  const m = {
    sent: 0,
    accepted: 0,
    delivered: 0,
    acked: 0,
    completedInWindow: 0,
    deliveredInWindow: 0,
    duplicates: 0,
    backlogged: 0,
    leftInflight: 0,
    errors: {},
  };
  const deliver = [];
  const acked = [];
  const accept = [];
  for (const r of results) {
    for (const k of Object.keys(m)) if (typeof m[k] === "number") m[k] += r[k] ?? 0;
    addCounts(m.errors, r.errors);
    deliver.push(...r.deliver);
    acked.push(...r.ackedLat);
    accept.push(...r.accept);
  }
  return {
    ...m,
    deliver: summarizeLatency(deliver),
    ackedLatency: summarizeLatency(acked),
    accept: summarizeLatency(accept),
  };
}

/** Saturation: every pair keeps `window` messages in flight end to end. */
/** Every generator sends at its share of `rate` (open loop) from `startAt`; merged results. */
async function openLoop(gens, pairsByGen, { rate, startAt, warmupMs, measureMs }) {
  const total = sum(pairsByGen.map((p) => p.length));
  const results = await onAll(
    gens,
    "direct",
    (i) => ({
      pairs: pairsByGen[i],
      mode: "open",
      rate: (rate * pairsByGen[i].length) / total,
      startAt,
      warmupMs,
      measureMs,
    }),
    warmupMs + measureMs + 60_000,
  );
  return mergeDirect(results);
}

/** Acks the hubs applied, summed from their /metrics (the generators may not wait for them). */
async function hubsAcked(cluster) {
  let total = 0;
  for (const hub of cluster.hubs) {
    const text = await (await fetch(`${hub.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const m = /^cc2cc_messages_acked_total (\S+)$/m.exec(text);
    total += m ? Number(m[1]) : 0;
  }
  return total;
}

export async function throughput({ cluster, gens, pairsByGen, window, warmupMs, measureMs }) {
  const ackedBefore = await hubsAcked(cluster);
  const startAt = wall() + 300;
  const before = { stats: null, cpu: null };
  const after = { stats: null, cpu: null };
  // Snapshot Redis and CPU exactly at the edges of the measured window.
  const edges = (async () => {
    await sleep(startAt + warmupMs - wall());
    before.stats = await commandStats(cluster.redis.port);
    before.cpu = cpuSnapshot(cluster, gens);
    await sleep(startAt + warmupMs + measureMs - wall());
    after.cpu = cpuSnapshot(cluster, gens);
    after.stats = await commandStats(cluster.redis.port);
  })();
  const results = await onAll(
    gens,
    "direct",
    (i) => ({ pairs: pairsByGen[i], mode: "closed", window, startAt, warmupMs, measureMs }),
    warmupMs + measureMs + 60_000,
  );
  await edges;
  const m = mergeDirect(results);
  // Acks sent without a reply count when written: the phase is only reported once the hubs
  // applied every one of them (bounded wait), so "acked" stays a figure the hub confirms.
  let ackedByHubs = 0;
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(100)) {
    ackedByHubs = (await hubsAcked(cluster)) - ackedBefore;
    if (ackedByHubs >= m.acked) break;
  }
  const seconds = measureMs / 1000;
  const serverCommands = deltaCounts(before.stats, after.stats);
  return {
    window,
    pairs: sum(pairsByGen.map((p) => p.length)),
    seconds,
    msgsPerSec: r0(m.completedInWindow / seconds),
    deliveredPerSec: r0(m.deliveredInWindow / seconds),
    totals: {
      sent: m.sent,
      accepted: m.accepted,
      delivered: m.delivered,
      acked: m.acked,
      ackedByHubs,
      duplicates: m.duplicates,
      leftInflight: m.leftInflight,
    },
    errors: m.errors,
    latencyAtSaturation: { delivered: m.deliver, acked: m.ackedLatency, accepted: m.accept },
    cpu: cpuShares(before.cpu, after.cpu),
    cpuUsPerMsg: cpuPerMessage(before.cpu, after.cpu, m.completedInWindow),
    redisServerCommandsPerMsg: r2(sum(serverCommands) / Math.max(1, m.completedInWindow)),
    redisServerCommands: serverCommands,
  };
}

/** Open loop at a fixed total rate: latency at a load the hub can carry. */
export async function latency({ cluster, gens, pairsByGen, rate, warmupMs, measureMs }) {
  const startAt = wall() + 300;
  let before;
  let after;
  const edges = (async () => {
    await sleep(startAt + warmupMs - wall());
    before = cpuSnapshot(cluster, gens);
    await sleep(startAt + warmupMs + measureMs - wall());
    after = cpuSnapshot(cluster, gens);
  })();
  const m = await openLoop(gens, pairsByGen, { rate, startAt, warmupMs, measureMs });
  await edges;
  return {
    rate: r0(rate),
    achievedPerSec: r0(m.completedInWindow / (measureMs / 1000)),
    seconds: measureMs / 1000,
    delivered: m.deliver,
    acked: m.ackedLatency,
    accepted: m.accept,
    errors: m.errors,
    backlogged: m.backlogged,
    cpu: cpuShares(before, after),
    cpuUsPerMsg: cpuPerMessage(before, after, m.completedInWindow),
  };
}

/**
 * One publish to `subscribers` instances spread over the replicas and generators; time from
 * the publish to the last subscriber's receipt, over `rounds` publishes, live and persistent.
 */
export async function fanout({ cluster, gens, subscribers, rounds }) {
  const hubs = cluster.hubs;
  const topic = `bench-fanout-${Date.now().toString(36)}`;
  const specsByGen = gens.map(() => []);
  for (let i = 0; i < subscribers; i++)
    specsByGen[i % gens.length].push(makeSpec(hubs[i % hubs.length].url, "bench-fanout", `f${i}`));
  const publisher = makeSpec(hubs[0].url, "bench-fanout", "publisher");
  specsByGen[0].push(publisher);
  const conn = await onAll(gens, "connect", (i) => ({ specs: specsByGen[i], concurrency: 25 }), 120_000);
  if (sum(conn.map((c) => c.connected)) !== subscribers + 1)
    throw new Error(`fan-out: connect failed ${JSON.stringify(conn.map((c) => c.errors))}`);
  const subIds = specsByGen.map((specs) => specs.filter((s) => s !== publisher).map((s) => s.instanceId));
  await gens[0].call("subscribe", { instanceIds: [publisher.instanceId], topic });
  const subs = await onAll(gens, "subscribe", (i) => ({ instanceIds: subIds[i], topic }), 120_000);
  if (sum(subs.map((s) => s.subscribed)) !== subscribers)
    throw new Error(`fan-out: subscribe failed ${JSON.stringify(subs.map((s) => s.errors))}`);
  await onAll(gens, "listen", (i) => ({ instanceIds: subIds[i], topic }));
  await sleep(500);

  const run = async (persistent) => {
    const rows = [];
    for (let k = 0; k < rounds; k++) {
      const token = `${persistent ? "p" : "l"}${k}`;
      const pub = await gens[0].call("publish", {
        instanceId: publisher.instanceId,
        topic,
        token,
        persistent,
      });
      if (!pub.ok) throw new Error(`fan-out publish failed: ${pub.error}`);
      const deadline = Date.now() + 5000;
      let times = [];
      while (Date.now() < deadline) {
        const got = await onAll(gens, "collect", () => ({ tokens: [token] }));
        times = got.flatMap((g) => g[token]);
        if (times.length >= subscribers) break;
        await sleep(20);
      }
      const rel = times.map((t) => t - pub.publishedAt);
      rows.push({
        received: times.length,
        lastMs: r2(Math.max(...rel)),
        medianMs: r2(median(rel)),
        replyMs: r2(pub.replyMs),
      });
      await sleep(200);
    }
    const lasts = rows.map((r) => r.lastMs);
    return {
      rounds,
      complete: rows.filter((r) => r.received >= subscribers).length,
      timeToLastMs: { median: r2(median(lasts)), max: r2(Math.max(...lasts)), min: r2(Math.min(...lasts)) },
      medianReceiptMs: r2(median(rows.map((r) => r.medianMs))),
      publishReplyMs: r2(median(rows.map((r) => r.replyMs))),
    };
  };
  const live = await run(false);
  const persistent = await run(true);
  return { subscribers, replicas: hubs.length, live, persistent };
}

/**
 * Idle plugin connections on one replica: RSS before and after `count` connections, the CPU
 * the replica spends holding them (pings, presence heartbeats), and whether all are alive.
 */
export async function idle({ cluster, gens, count, settleMs, idleMs, inspectPort }) {
  const hub = cluster.hubs[0];
  await sleep(1000);
  // RSS depends on when V8 last collected; full GCs (through the inspector) before each
  // reading make the figure what the connections keep, not what they left behind.
  // One full GC does not reach the floor here: objects die in stages (weak references,
  // finalizers, memory allocated while a marking was under way), and V8 sweeps and hands pages
  // back concurrently. So collect until the heap stops shrinking, then read RSS once two
  // readings half a second apart agree (all bounded). Read 200 ms after a single GC, as this
  // phase did before, RSS at 5,000 connections came out 20-50 % high, varying by run.
  const gc = async () => {
    if (!inspectPort) return;
    let heapLast = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 8; i++) {
      await collectGarbage(inspectPort);
      await sleep(300);
      const used = (await memoryUsage(inspectPort)).heapUsed;
      if (used > heapLast * 0.99) break;
      heapLast = used;
    }
    let last = hub.rss();
    for (let i = 0; i < 20; i++) {
      await sleep(500);
      const now = hub.rss();
      if (Math.abs(now - last) < last * 0.005) return;
      last = now;
    }
  };
  await gc();
  const rssBefore = hub.rss();
  // The V8 heap after a full GC: what the connections keep, without allocator slack in it.
  const heap = () =>
    inspectPort ? memoryUsage(inspectPort).then((m) => m.heapUsed) : Promise.resolve(Number.NaN);
  const heapBefore = await heap();
  const specsByGen = gens.map(() => []);
  for (let i = 0; i < count; i++) specsByGen[i % gens.length].push(makeSpec(hub.url, "bench-idle", `i${i}`));
  const started = performance.now();
  const conn = await onAll(
    gens,
    "connect",
    (i) => ({ specs: specsByGen[i], concurrency: 50, timeoutMs: 60_000 }),
    600_000,
  );
  const connectSeconds = (performance.now() - started) / 1000;
  const connected = sum(conn.map((c) => c.connected));
  const connectTimes = conn.flatMap((c) => c.times);
  await sleep(settleMs);
  const cpuA = hub.cpuSeconds();
  const t0 = performance.now();
  await sleep(idleMs);
  const idleCpuPct = r2(((hub.cpuSeconds() - cpuA) / ((performance.now() - t0) / 1000)) * 100);
  const rssNoGc = hub.rss();
  await gc();
  const rssAfter = hub.rss();
  const heapAfter = await heap();
  const alive = sum((await onAll(gens, "alive", () => ({}))).map((a) => a.alive));
  await onAll(gens, "closeAll", () => ({}), 60_000);
  return {
    requested: count,
    connected,
    aliveAfterIdle: alive,
    connectErrors: conn.reduce((acc, c) => addCounts(acc, c.errors), {}),
    connectPerSec: r0(connected / connectSeconds),
    handshake: summarizeLatency(connectTimes),
    rssBeforeMiB: r2(rssBefore / 2 ** 20),
    rssAfterMiB: r2(rssAfter / 2 ** 20),
    rssAfterBeforeGcMiB: r2(rssNoGc / 2 ** 20),
    forcedGc: inspectPort !== undefined,
    rssPerConnKiB: r2(rssAfter / connected / 1024),
    rssDeltaPerConnKiB: r2((rssAfter - rssBefore) / connected / 1024),
    heapBeforeMiB: r2(heapBefore / 2 ** 20),
    heapAfterMiB: r2(heapAfter / 2 ** 20),
    heapDeltaPerConnKiB: r2((heapAfter - heapBefore) / connected / 1024),
    idleCpuPct,
  };
}

/**
 * Commands the hubs send Redis per delivered message, counted by a proxy between them (by
 * command, script and PUBLISH channel), plus the server's own count including what the
 * scripts run inside. Runs at a fixed rate so the proxy never becomes the bottleneck.
 */
export async function redisOps({ cluster, proxy, gens, pairsByGen, rate, warmupMs, measureMs }) {
  const startAt = wall() + 300;
  let statsBefore;
  let statsAfter;
  let proxyCounts;
  const edges = (async () => {
    await sleep(startAt + warmupMs - wall());
    proxy.reset();
    statsBefore = await commandStats(cluster.redis.port);
    await sleep(startAt + warmupMs + measureMs - wall());
    proxyCounts = proxy.counts();
    statsAfter = await commandStats(cluster.redis.port);
  })();
  const m = await openLoop(gens, pairsByGen, { rate, startAt, warmupMs, measureMs });
  await edges;
  // Messages acked in the window; sends and deliveries in it differ from acks by at most
  // what was in flight at its edges, which a fixed rate keeps small against the total.
  const n = Math.max(1, m.completedInWindow);
  const per = (obj) =>
    Object.fromEntries(
      Object.entries(obj)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, r2(v / n)]),
    );
  const server = deltaCounts(statsBefore, statsAfter);
  delete server.info;
  return {
    rate: r0(rate),
    messages: m.completedInWindow,
    clientCommandsPerMsg: r2(sum(proxyCounts.commands) / n),
    clientReadsPerMsg: r2(proxyCounts.batches / n),
    serverCommandsPerMsg: r2(sum(server) / n),
    byCommand: per(proxyCounts.commands),
    byScript: per(proxyCounts.scripts),
    byPublishChannel: per(proxyCounts.publish),
    serverByCommand: per(server),
    errors: m.errors,
  };
}

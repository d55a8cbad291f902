#!/usr/bin/env node
// `pnpm bench`: the cc2cc benchmark. Starts its own redis-server (AOF off, no snapshots) and
// 1 or 3 hub replicas on free loopback ports, drives them from load generator processes
// (socket.io-client virtual plugins that acknowledge what they receive), and writes
// loadtest/results/<name>.json and the generated part of docs/benchmarks.md.
//
// Args:
//   --quick               smaller and shorter (about a minute): a check, not a figure to quote
//   --replicas 1,3        replica counts to measure (default 1,3)
//   --only a,b            phases: throughput, latency, fanout, redis-ops, idle (default all)
//   --pairs 100           sender/recipient pairs      --window 16   in flight per pair (closed loop)
//   --generators 2        load generator processes    --idle 5000   idle connections
//   --latency-rate <n>    fixed rate of the latency phase (default: half the measured max)
//   --latency-curve a,b   also measure latency at these fixed rates (msgs/s), for a curve
//   --hub-entry <path>    another hub build (a scratch copy with a change to compare)
//   --hub-node-args=<a>   extra node flags for every hub, space-separated, written with "="
//                         (e.g. --hub-node-args=--max-semi-space-size=2)
//   --hub-env K=V,K=V     extra hub settings (e.g. --hub-env CC2CC_SOCKET_ADAPTER=sharded)
//   --label <name>        names the result file and its row in the history table
//   --no-write            print the results, leave docs/ and loadtest/results/ alone
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  DEFAULT_HUB_ENTRY,
  freePort,
  REPO_ROOT,
  redisInfo,
  sleep,
  startCluster,
  startHub,
  startRedis,
} from "../lib/procs.mjs";
import { onAll, startGenerators } from "./generators.mjs";
import { connectPairs, fanout, idle, latency, redisOps, throughput } from "./phases.mjs";
import { scriptShas, startRedisProxy } from "./redis-proxy.mjs";
import { writeReport } from "./report.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    replicas: { type: "string", default: "1,3" },
    only: { type: "string" },
    pairs: { type: "string" },
    window: { type: "string" },
    generators: { type: "string", default: "2" },
    idle: { type: "string" },
    "latency-rate": { type: "string" },
    "latency-curve": { type: "string" },
    "hub-entry": { type: "string" },
    "hub-node-args": { type: "string" },
    "hub-env": { type: "string", default: "" },
    label: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});

const QUICK = args.quick;
const PHASES = new Set((args.only ?? "throughput,latency,fanout,redis-ops,idle").split(","));
const CFG = {
  replicas: args.replicas.split(",").map(Number),
  pairs: Number(args.pairs ?? 100),
  window: Number(args.window ?? 16),
  generators: Number(args.generators),
  warmupMs: QUICK ? 1000 : 2000,
  measureMs: QUICK ? 4000 : 8000,
  fanoutSubscribers: 500,
  fanoutRounds: QUICK ? 5 : 10,
  opsRate: QUICK ? 500 : 1000,
  opsMeasureMs: QUICK ? 3000 : 5000,
  idleConnections: Number(args.idle ?? (QUICK ? 1000 : 5000)),
  contentBytes: 256,
};
const ENTRY = args["hub-entry"] ?? DEFAULT_HUB_ENTRY;
const NODE_ARGS = args["hub-node-args"] ? args["hub-node-args"].split(/\s+/).filter(Boolean) : [];
// Two guards are lifted, everything else is the hub's default: the per-pair message limit
// (120/min, against agents answering each other in a loop), which every benchmark pair passes
// within a second, and the per-socket frame limit, so that bursts never count as abuse. Both
// checks still run on every message, so their cost is measured.
const HUB_ENV = { CC2CC_FRAME_RATE: "100000", CC2CC_PAIR_RATE: "1000000" };
for (const kv of args["hub-env"].split(",").filter(Boolean)) {
  const eq = kv.indexOf("=");
  if (eq <= 0) throw new Error(`--hub-env wants K=V pairs, got "${kv}"`);
  HUB_ENV[kv.slice(0, eq)] = kv.slice(eq + 1);
}

function git(argv) {
  try {
    return execFileSync("git", argv, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function machine() {
  const redis = await startRedis();
  const info = await redisInfo(redis.port, "server");
  await redis.stop();
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: info.redis_version,
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirty: git(["status", "--porcelain", "--", "hub", "shared"]) !== "",
    hubEntry: ENTRY === DEFAULT_HUB_ENTRY ? "hub/dist/main.js" : ENTRY,
  };
}

const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function measureReplicas(n, gens, out) {
  log(`${n} replica(s): starting Redis and hubs`);
  const cluster = await startCluster({ replicas: n, env: HUB_ENV, entry: ENTRY, nodeArgs: NODE_ARGS });
  try {
    const needPairs = PHASES.has("throughput") || PHASES.has("latency");
    const pairsByGen = needPairs ? await connectPairs(gens, cluster.hubs, CFG.pairs) : null;
    if (PHASES.has("throughput")) {
      log(`${n}: throughput, ${CFG.pairs} pairs × window ${CFG.window}, ${CFG.measureMs / 1000}s`);
      out.throughput = await throughput({
        cluster,
        gens,
        pairsByGen,
        window: CFG.window,
        warmupMs: CFG.warmupMs,
        measureMs: CFG.measureMs,
      });
      log(`${n}: ${out.throughput.msgsPerSec} msgs/s end to end; cpu ${JSON.stringify(out.throughput.cpu)}`);
    }
    if (PHASES.has("latency")) {
      const max = out.throughput?.msgsPerSec ?? 2000;
      const rate = args["latency-rate"] ? Number(args["latency-rate"]) : Math.max(100, Math.round(max / 2));
      log(`${n}: latency at ${rate} msgs/s${args["latency-rate"] ? "" : " (half the max)"}`);
      out.latency = await latency({
        cluster,
        gens,
        pairsByGen,
        rate,
        warmupMs: CFG.warmupMs,
        measureMs: CFG.measureMs,
      });
      log(
        `${n}: delivered p50/p95/p99 ${out.latency.delivered.p50}/${out.latency.delivered.p95}/${out.latency.delivered.p99} ms`,
      );
      if (args["latency-curve"]) {
        out.latencyCurve = [];
        for (const r of args["latency-curve"].split(",").map(Number)) {
          const point = await latency({
            cluster,
            gens,
            pairsByGen,
            rate: r,
            warmupMs: CFG.warmupMs,
            measureMs: CFG.measureMs,
          });
          out.latencyCurve.push(point);
          log(
            `${n}: at ${r} msgs/s delivered p50/p95/p99 ${point.delivered.p50}/${point.delivered.p95}/${point.delivered.p99} ms, hub cpu ${point.cpu.hubs.join("+")}%`,
          );
        }
      }
    }
    if (pairsByGen) await onAll(gens, "closeAll", () => ({}), 60_000);
    if (PHASES.has("fanout")) {
      log(`${n}: topic fan-out to ${CFG.fanoutSubscribers} subscribers`);
      out.fanout = await fanout({
        cluster,
        gens,
        subscribers: CFG.fanoutSubscribers,
        rounds: CFG.fanoutRounds,
      });
      await onAll(gens, "closeAll", () => ({}), 60_000);
      log(
        `${n}: fan-out time to last: live ${out.fanout.live.timeToLastMs.median} ms, persistent ${out.fanout.persistent.timeToLastMs.median} ms`,
      );
    }
  } finally {
    await cluster.stop();
  }
  if (PHASES.has("redis-ops")) {
    log(`${n}: Redis operations per message (through a counting proxy, ${CFG.opsRate} msgs/s)`);
    const redis = await startRedis();
    const { loadScripts } = await import(
      pathToFileURL(join(dirname(ENTRY), "engine", "redis-scripts.js")).href
    );
    const proxy = await startRedisProxy(redis.port, scriptShas(loadScripts()));
    const hubs = [];
    try {
      for (let i = 0; i < n; i++)
        hubs.push(
          await startHub({
            redisUrl: proxy.url,
            replica: `bench-${i + 1}`,
            env: HUB_ENV,
            entry: ENTRY,
            nodeArgs: NODE_ARGS,
          }),
        );
      const cluster = { redis, hubs };
      const pairsByGen = await connectPairs(gens, hubs, CFG.pairs);
      await sleep(500);
      out.redisOps = await redisOps({
        cluster,
        proxy,
        gens,
        pairsByGen,
        rate: CFG.opsRate,
        warmupMs: CFG.warmupMs,
        measureMs: CFG.opsMeasureMs,
      });
      await onAll(gens, "closeAll", () => ({}), 60_000);
      log(
        `${n}: ${out.redisOps.clientCommandsPerMsg} commands/msg from the hubs, ${out.redisOps.serverCommandsPerMsg} inside Redis`,
      );
    } finally {
      await Promise.all(hubs.map((h) => h.stop()));
      await proxy.close();
      await redis.stop();
    }
  }
}

async function main() {
  if (!existsSync(ENTRY))
    throw new Error(
      `${ENTRY} is missing: run pnpm --filter @cc2cc/shared build && pnpm --filter @cc2cc/hub build`,
    );
  const started = Date.now();
  const result = {
    name: args.label ?? `run-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}`,
    date: new Date().toISOString(),
    quick: QUICK,
    machine: await machine(),
    loadavgBefore: loadavg().map((x) => Math.round(x * 100) / 100),
    config: { ...CFG, hubEnv: HUB_ENV, hubNodeArgs: NODE_ARGS, phases: [...PHASES] },
    replicas: {},
  };
  log(
    `machine ${result.machine.cpu} × ${result.machine.cores}, node ${result.machine.node}, redis ${result.machine.redis}, load ${result.loadavgBefore.join(" ")}`,
  );
  const gens = startGenerators(CFG.generators);
  try {
    const perReplica = ["throughput", "latency", "fanout", "redis-ops"].some((p) => PHASES.has(p));
    for (const n of perReplica ? CFG.replicas : []) {
      const out = {};
      result.replicas[n] = out;
      await measureReplicas(n, gens, out);
    }
    if (PHASES.has("idle")) {
      log(`idle: ${CFG.idleConnections} connections on one replica`);
      // --inspect only lets the phase force a full GC before reading RSS; nothing else uses it.
      const inspectPort = await freePort();
      const cluster = await startCluster({
        replicas: 1,
        env: HUB_ENV,
        entry: ENTRY,
        nodeArgs: [...NODE_ARGS, `--inspect=127.0.0.1:${inspectPort}`],
      });
      try {
        result.idle = await idle({
          cluster,
          gens,
          count: CFG.idleConnections,
          settleMs: QUICK ? 3000 : 5000,
          idleMs: QUICK ? 5000 : 10_000,
          inspectPort,
        });
      } finally {
        await cluster.stop();
      }
      log(
        `idle: ${result.idle.connected} held, ${result.idle.rssPerConnKiB} KiB RSS/conn (${result.idle.rssDeltaPerConnKiB} KiB added per conn)`,
      );
    }
  } finally {
    for (const g of gens) g.stop();
  }
  result.loadavgAfter = loadavg().map((x) => Math.round(x * 100) / 100);
  result.seconds = Math.round((Date.now() - started) / 1000);
  if (args["no-write"]) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const dir = join(REPO_ROOT, "loadtest", "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${result.name}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    writeReport(result, dir, join(REPO_ROOT, "docs", "benchmarks.md"));
    log(`wrote ${file} and docs/benchmarks.md`);
  }
  log(`done in ${result.seconds}s`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// CPU profile of one hub replica under direct-message load: `node --cpu-prof` on the hub,
// the benchmark's closed-loop pairs driving it, then the profile summarised by function (self
// and inclusive time) and by package. Writes loadtest/results/profile-<label>.md and keeps the
// raw profile in .cache/profiles/ (open a .cpuprofile in Chrome DevTools or speedscope).
//
// Args: --seconds 15  --pairs 100  --window 16  --replicas 1  --generators 2
//       --hub-entry <path>  --label <name>  --mode closed|open  --rate <msgs/s for open>
//       --heap   allocations by function (sampled, collected objects included) instead of CPU
//       --idle <n>  with --heap: what <n> idle connections keep alive (retained), not a load run
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { inspector } from "../lib/inspector.mjs";
import { DEFAULT_HUB_ENTRY, freePort, REPO_ROOT, startCluster } from "../lib/procs.mjs";
import { makeSpec, onAll, startGenerators } from "./generators.mjs";
import { connectPairs, latency, throughput } from "./phases.mjs";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "15" },
    pairs: { type: "string", default: "100" },
    window: { type: "string", default: "16" },
    replicas: { type: "string", default: "1" },
    generators: { type: "string", default: "2" },
    "hub-entry": { type: "string" },
    label: { type: "string", default: "hub" },
    mode: { type: "string", default: "closed" },
    rate: { type: "string", default: "2000" },
    top: { type: "string", default: "40" },
    heap: { type: "boolean", default: false },
    idle: { type: "string" },
  },
});
const ENTRY = args["hub-entry"] ?? DEFAULT_HUB_ENTRY;
const HUB_ENV = { CC2CC_FRAME_RATE: "100000", CC2CC_PAIR_RATE: "1000000" };

/** Self and inclusive milliseconds per function, and self per package, from a .cpuprofile. */
export function analyse(profile, top = 40) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const url = f.url.replace(/^file:\/\//, "");
    let where = url;
    const nm = url.lastIndexOf("node_modules/");
    if (nm !== -1) where = url.slice(nm + "node_modules/".length);
    else if (url.startsWith(REPO_ROOT)) where = relative(REPO_ROOT, url);
    return `${f.functionName || "(anonymous)"} ${where ? `${where}:${f.lineNumber + 1}` : ""}`.trim();
  };
  const pkg = (n) => {
    const url = n.callFrame.url;
    if (!url) return n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : "(native/builtin)";
    const nm = url.lastIndexOf("node_modules/");
    if (nm !== -1) {
      const rest = url.slice(nm + "node_modules/".length).split("/");
      return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
    }
    if (url.startsWith("node:")) return "node: core";
    if (url.includes("/hub/dist/")) return "hub";
    if (url.includes("/shared/dist/")) return "@cc2cc/shared";
    return url;
  };
  const self = new Map();
  const incl = new Map();
  const pkgs = new Map();
  let total = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const leaf = byId.get(samples[i]);
    const l = label(leaf);
    self.set(l, (self.get(l) ?? 0) + dt);
    pkgs.set(pkg(leaf), (pkgs.get(pkg(leaf)) ?? 0) + dt);
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const name = label(byId.get(id));
      if (seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) ?? 0) + dt);
    }
  }
  const rank = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: Math.round((ms / total) * 1000) / 10 }));
  const idle = (self.get("(idle)") ?? 0) / total;
  return {
    totalMs: Math.round(total),
    idlePct: Math.round(idle * 1000) / 10,
    self: rank(self),
    inclusive: rank(incl),
    packages: rank(pkgs),
  };
}

/**
 * A sampling heap profile as the same tables: bytes allocated (and still sampled at exit) by
 * function, self and inclusive, and by package. "ms" columns read as KiB here.
 */
export function analyseHeap(profile, top = 40) {
  const nodes = [];
  const walk = (n, parent) => {
    const node = { id: nodes.length, callFrame: n.callFrame, children: [], selfSize: n.selfSize };
    nodes.push(node);
    if (parent) parent.children.push(node.id);
    for (const c of n.children ?? []) walk(c, node);
  };
  walk(profile.head, null);
  // Reuse the CPU analysis: one "sample" per node weighted by its bytes.
  return analyse(
    { nodes, samples: nodes.map((n) => n.id), timeDeltas: nodes.map((n) => n.selfSize / 1.024) },
    top,
  );
}

/** Retained allocations of `count` idle plugin connections (what stays alive per connection). */
async function idleRetained(port, gens, hub, count, outFile) {
  const cdp = await inspector(port);
  await cdp.send("HeapProfiler.enable");
  await cdp.send("HeapProfiler.collectGarbage");
  const rssBefore = hub.rss();
  await cdp.send("HeapProfiler.startSampling", { samplingInterval: 4096 });
  const specsByGen = gens.map(() => []);
  for (let i = 0; i < count; i++) specsByGen[i % gens.length].push(makeSpec(hub.url, "bench-idle", `i${i}`));
  await onAll(
    gens,
    "connect",
    (i) => ({ specs: specsByGen[i], concurrency: 50, timeoutMs: 60_000 }),
    600_000,
  );
  await new Promise((r) => setTimeout(r, 3000));
  await cdp.send("HeapProfiler.collectGarbage");
  const { result } = await cdp.send("HeapProfiler.stopSampling");
  const usage = await cdp.send("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())" });
  cdp.close();
  writeFileSync(outFile, JSON.stringify(result.profile));
  const mem = JSON.parse(usage.result.result.value);
  console.log(
    `idle ${count}: rss ${Math.round((hub.rss() - rssBefore) / count)} B/conn added; process.memoryUsage ${JSON.stringify(mem)}`,
  );
  return { msgsPerSec: count, idle: true, memoryUsage: mem };
}

async function sampleAllocations(port, delayMs, measureMs, outFile) {
  const cdp = await inspector(port);
  await new Promise((r) => setTimeout(r, delayMs));
  await cdp.send("HeapProfiler.enable");
  await cdp.send("HeapProfiler.startSampling", {
    samplingInterval: 8192,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await new Promise((r) => setTimeout(r, measureMs));
  const { result } = await cdp.send("HeapProfiler.stopSampling");
  cdp.close();
  writeFileSync(outFile, JSON.stringify(result.profile));
}

function markdown(a, meta) {
  const unit = meta.heap ? "KiB" : "ms";
  const table = (rows, head) =>
    [
      `| ${head} | ${unit} | % |`,
      "| --- | ---: | ---: |",
      ...rows.map((r) => `| \`${r.name.replace(/\|/g, "\\|")}\` | ${r.ms} | ${r.pct} |`),
    ].join("\n");
  return [
    `# Hub ${meta.heap ? "allocation" : "CPU"} profile: ${meta.label}`,
    "",
    `${meta.date}; ${meta.replicas} replica(s), profiled replica 1; ${meta.mode} loop, ${meta.pairs} pairs${meta.mode === "closed" ? ` × window ${meta.window}` : ` at ${meta.rate} msgs/s`}; ${meta.msgsPerSec} msgs/s end to end while profiled; hub \`${meta.entry}\`.`,
    meta.heap
      ? `Allocated ${Math.round(a.totalMs / 1024)} MiB while profiled (collected objects included), ${Math.round((a.totalMs * 1024) / Math.max(1, meta.messages))} bytes per message. Profile file: \`${meta.file}\`.`
      : `Profile ${a.totalMs} ms, ${a.idlePct}% idle. Profile file: \`${meta.file}\`.`,
    "",
    meta.heap ? "## By package (allocated here)" : "## By package (self time)",
    "",
    table(a.packages, "package"),
    "",
    meta.heap ? "## By function, allocated here" : "## By function, self time",
    "",
    table(a.self, "function"),
    "",
    meta.heap ? "## By function, allocated here or below" : "## By function, inclusive time",
    "",
    table(a.inclusive, "function"),
    "",
  ].join("\n");
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "cc2cc-prof-"));
  const inspectPort = await freePort();
  const cluster = await startCluster({
    replicas: Number(args.replicas),
    env: HUB_ENV,
    entry: ENTRY,
    nodeArgs: [],
  });
  // Only replica 1 is profiled: restart it with the profiler on the same Redis.
  await cluster.hubs[0].stop();
  const { startHub } = await import("../lib/procs.mjs");
  cluster.hubs[0] = await startHub({
    redisUrl: cluster.redis.url,
    replica: "bench-1",
    env: HUB_ENV,
    entry: ENTRY,
    nodeArgs: args.heap
      ? [`--inspect=127.0.0.1:${inspectPort}`]
      : ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=200"],
  });
  const gens = startGenerators(Number(args.generators));
  let result;
  try {
    const pairsByGen = args.idle ? null : await connectPairs(gens, cluster.hubs, Number(args.pairs));
    const measureMs = Number(args.seconds) * 1000;
    // Allocation sampling that keeps what the GC already collected: the bytes a message costs,
    // not what survives. Started after the warm-up, stopped at the end of the window.
    if (args.idle) {
      result = await idleRetained(
        inspectPort,
        gens,
        cluster.hubs[0],
        Number(args.idle),
        join(dir, "hub.heapprofile"),
      );
    } else {
      const heap = args.heap
        ? sampleAllocations(inspectPort, 1000 + 300, measureMs, join(dir, "hub.heapprofile"))
        : null;
      result =
        args.mode === "open"
          ? await latency({ cluster, gens, pairsByGen, rate: Number(args.rate), warmupMs: 1000, measureMs })
          : await throughput({
              cluster,
              gens,
              pairsByGen,
              window: Number(args.window),
              warmupMs: 1000,
              measureMs,
            });
      if (heap) await heap;
    }
    await onAll(gens, "closeAll", () => ({}), 60_000);
  } finally {
    for (const g of gens) g.stop();
    await cluster.stop();
  }
  const ext = args.heap ? ".heapprofile" : ".cpuprofile";
  const file = readdirSync(dir).find((f) => f.endsWith(ext));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const outDir = join(REPO_ROOT, "loadtest", "results");
  mkdirSync(outDir, { recursive: true });
  // Raw profiles are large: they stay in the git-ignored cache; the summary goes in results/.
  const rawDir = join(REPO_ROOT, ".cache", "profiles");
  mkdirSync(rawDir, { recursive: true });
  const kept = join(rawDir, `profile-${args.label}${ext}`);
  copyFileSync(join(dir, file), kept);
  rmSync(dir, { recursive: true, force: true });
  const raw = JSON.parse(readFileSync(kept, "utf8"));
  const a = args.heap ? analyseHeap(raw, Number(args.top)) : analyse(raw, Number(args.top));
  const msgsPerSec = result.msgsPerSec ?? result.achievedPerSec;
  const md = markdown(a, {
    heap: args.heap,
    messages: args.idle
      ? Number(args.idle)
      : (result.msgsPerSec ?? result.achievedPerSec) * Number(args.seconds),
    label: args.label,
    date: new Date().toISOString(),
    replicas: args.replicas,
    mode: args.mode,
    pairs: args.pairs,
    window: args.window,
    rate: args.rate,
    msgsPerSec,
    entry: ENTRY === DEFAULT_HUB_ENTRY ? "hub/dist/main.js" : ENTRY,
    file: relative(REPO_ROOT, kept),
  });
  writeFileSync(join(outDir, `profile-${args.label}.md`), md);
  console.log(md.split(/## By function, (?:inclusive time|allocated here or below)/)[0]);
  console.log(
    `msgs/s ${msgsPerSec}; cpu ${JSON.stringify(result.cpu)}; wrote loadtest/results/profile-${args.label}.md`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`profile: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);

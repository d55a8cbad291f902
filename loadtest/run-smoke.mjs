#!/usr/bin/env node
// `pnpm loadtest:smoke`: a short run of every k6 script against a Redis and two hub replicas
// this runner starts on free loopback ports. Fails (exit 1) when any script's thresholds fail
// or a hub dies. k6 comes from <repo>/.cache/bin or PATH; scripts/install-k6.sh builds it when
// missing (set CC2CC_NO_K6_INSTALL=1 to fail instead).
//
// Args: --duration <s> (15), --replicas <n> (2), --only <script,...>, --fail-fast
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_KEY, REPO_ROOT, startCluster, track } from "./lib/procs.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "15" },
    replicas: { type: "string", default: "2" },
    only: { type: "string" },
    "fail-fast": { type: "boolean", default: false },
  },
});
const DURATION = Number(args.duration);
const REPLICAS = Number(args.replicas);
const BROADCAST_INTERVAL_MS = 5000;

// Sizes small enough for a shared 2-core CI box, large enough to cross the replicas.
const SCRIPTS = [
  { name: "direct", env: { PAIRS: "10", RATE: "20" } },
  { name: "fanout", env: { SUBSCRIBERS: "100", PER_VU: "25", PUBLISH_EVERY: "1" } },
  {
    name: "broadcast",
    env: { SENDERS: "5", ATTEMPT_EVERY: "1", BROADCAST_INTERVAL_MS: String(BROADCAST_INTERVAL_MS) },
  },
  { name: "reconnect-storm", env: { INSTANCES: "20", STORM_EVERY: "4", RATE: "5" } },
  { name: "idle-soak", env: { CONNECTIONS: "300", PER_VU: "100" } },
];

function findK6() {
  const local = join(REPO_ROOT, ".cache", "bin", "k6");
  if (existsSync(local)) return local;
  const which = spawnSync("sh", ["-c", "command -v k6"], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  if (process.env.CC2CC_NO_K6_INSTALL === "1") throw new Error("k6 not found; run scripts/install-k6.sh");
  console.log("k6 not found: building it with scripts/install-k6.sh");
  const r = spawnSync("bash", [join(REPO_ROOT, "scripts", "install-k6.sh")], { stdio: "inherit" });
  if (r.status !== 0 || !existsSync(local)) throw new Error("scripts/install-k6.sh failed");
  return local;
}

function runK6(k6, script, env, timeoutMs) {
  return new Promise((resolve) => {
    const proc = track(
      spawn(
        k6,
        ["run", "--quiet", "--log-output=stderr", join(REPO_ROOT, "loadtest", "k6", `${script}.js`)],
        {
          env: { ...process.env, ...env },
          stdio: ["ignore", "inherit", "inherit"],
        },
      ),
    );
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

async function main() {
  const k6 = findK6();
  const selected = args.only ? SCRIPTS.filter((s) => args.only.split(",").includes(s.name)) : SCRIPTS;
  if (selected.length === 0) throw new Error(`--only matched no script (${SCRIPTS.map((s) => s.name)})`);
  console.log(`loadtest:smoke: ${selected.length} scripts × ${DURATION}s against ${REPLICAS} hub replica(s)`);
  // The per-pair loop guard (120 messages a minute) would refuse the direct and storm senders.
  const cluster = await startCluster({
    replicas: REPLICAS,
    env: { CC2CC_BROADCAST_INTERVAL: String(BROADCAST_INTERVAL_MS), CC2CC_PAIR_RATE: "100000" },
  });
  const outDir = mkdtempSync(join(tmpdir(), "cc2cc-smoke-"));
  const results = [];
  try {
    const hubUrl = cluster.hubs.map((h) => h.url).join(",");
    for (const s of selected) {
      const started = Date.now();
      const summary = join(outDir, `${s.name}.json`);
      const { code, signal } = await runK6(
        k6,
        s.name,
        {
          CC2CC_HUB_URL: hubUrl,
          CC2CC_API_KEY: BENCH_KEY,
          DURATION: String(DURATION),
          CC2CC_SUMMARY_JSON: summary,
          ...s.env,
        },
        (DURATION + 90) * 1000,
      );
      const dead = cluster.hubs.filter((h) => !h.running);
      const ok = code === 0 && dead.length === 0;
      results.push({ name: s.name, ok, code, signal, seconds: (Date.now() - started) / 1000, summary });
      if (dead.length > 0) {
        console.error(`hub(s) died during ${s.name}:\n${dead.map((h) => h.output()).join("\n")}`);
        break;
      }
      if (!ok && args["fail-fast"]) break;
    }
  } finally {
    await cluster.stop();
  }
  console.log("\nloadtest:smoke results");
  for (const r of results) {
    let failed = "";
    if (!r.ok && existsSync(r.summary)) {
      const data = JSON.parse(readFileSync(r.summary, "utf8"));
      failed = Object.entries(data.metrics)
        .flatMap(([m, v]) =>
          Object.entries(v.thresholds ?? {})
            .filter(([, t]) => !t.ok)
            .map(([e]) => `${m} ${e}`),
        )
        .join("; ");
    }
    const why = r.ok ? "" : ` (exit ${r.code ?? r.signal}${failed ? `: ${failed}` : ""})`;
    console.log(`  ${r.ok ? "PASS" : "FAIL"} ${r.name.padEnd(16)} ${r.seconds.toFixed(1)}s${why}`);
  }
  rmSync(outDir, { recursive: true, force: true });
  const allOk = results.length === selected.length && results.every((r) => r.ok);
  process.exitCode = allOk ? 0 : 1;
}

main().catch((err) => {
  console.error(`loadtest:smoke: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

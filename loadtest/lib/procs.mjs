// Processes the load tests and the benchmark start for themselves: a redis-server and hub
// replicas, each on a free loopback port, killed when the runner exits however it exits.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_HUB_ENTRY = join(REPO_ROOT, "hub", "dist", "main.js");
export const BENCH_KEY = "loadtest-plugin-key-0123456789";

// The load tools borrow the hub's own client libraries (socket.io-client is a hub dev
// dependency), so loadtest/ needs no package of its own in the workspace.
export const hubRequire = createRequire(join(REPO_ROOT, "hub", "package.json"));

const live = new Set();
function killAll() {
  for (const proc of live) {
    try {
      proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.once("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Registers a child so that it dies with the runner. */
export function track(proc) {
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  return proc;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends one command and reads one reply; enough for readiness probes, INFO and FLUSHALL. */
export function redisCommand(port, args, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`redis ${args[0]} timed out`));
    }, timeoutMs);
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on("connect", () => {
      sock.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join("")}`,
      );
    });
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseReply(buf, 0);
      if (parsed === undefined) return;
      clearTimeout(timer);
      sock.end();
      if (parsed.value instanceof Error) reject(parsed.value);
      else resolve(parsed.value);
    });
  });
}

/** One RESP2 reply at `at`: { value, next } or undefined while incomplete. */
export function parseReply(buf, at) {
  const nl = buf.indexOf("\r\n", at);
  if (nl === -1) return undefined;
  const head = buf.toString("utf8", at + 1, nl);
  const type = String.fromCharCode(buf[at]);
  const next = nl + 2;
  if (type === "+") return { value: head, next };
  if (type === "-") return { value: new Error(head), next };
  if (type === ":") return { value: Number(head), next };
  if (type === "$") {
    const len = Number(head);
    if (len < 0) return { value: null, next };
    if (buf.length < next + len + 2) return undefined;
    return { value: buf.toString("utf8", next, next + len), next: next + len + 2 };
  }
  if (type === "*") {
    const n = Number(head);
    if (n < 0) return { value: null, next };
    const out = [];
    let pos = next;
    for (let i = 0; i < n; i++) {
      const item = parseReply(buf, pos);
      if (item === undefined) return undefined;
      out.push(item.value);
      pos = item.next;
    }
    return { value: out, next: pos };
  }
  return { value: new Error(`unexpected reply type ${type}`), next };
}

/** `INFO <section>` as a map of field → value. */
export async function redisInfo(port, section) {
  const text = await redisCommand(port, ["INFO", section]);
  const out = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** `INFO commandstats` as command → calls. */
export async function commandStats(port) {
  const info = await redisInfo(port, "commandstats");
  const out = {};
  for (const [k, v] of Object.entries(info)) {
    const m = /^calls=(\d+)/.exec(v);
    if (k.startsWith("cmdstat_") && m) out[k.slice("cmdstat_".length)] = Number(m[1]);
  }
  return out;
}

/**
 * A redis-server of the runner's own: loopback only, no RDB snapshots, AOF off unless asked
 * (the benchmark measures the hub, not the disk), noeviction as the hub expects.
 */
export async function startRedis({ aof = false } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "cc2cc-loadtest-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
  args.push("--appendonly", aof ? "yes" : "no", "--maxmemory-policy", "noeviction", "--protected-mode", "no");
  args.push("--maxclients", "20000");
  const proc = track(spawn("redis-server", args, { stdio: ["ignore", "ignore", "inherit"] }));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await redisCommand(port, ["PING"], 1000)) === "PONG") break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error("redis-server did not start");
    await sleep(50);
  }
  return {
    port,
    pid: proc.pid,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const OUTPUT_MAX = 32 * 1024;

/** The V8 flags the hub image runs with (hub/Dockerfile CMD), so figures are the shipped hub's. */
export const HUB_NODE_FLAGS = ["--max-semi-space-size=64"];
/** The environment the hub image sets besides the CC2CC_* settings (hub/Dockerfile ENV). */
export const HUB_IMAGE_ENV = { MALLOC_ARENA_MAX: "2" };

/**
 * One hub replica (`node <entry>`) on a free loopback port; resolves when /ready answers 200.
 * `nodeArgs` lets the profiler add `--cpu-prof`. SIGTERM on stop, so a profile gets written.
 */
export async function startHub({ redisUrl, replica, env = {}, entry = DEFAULT_HUB_ENTRY, nodeArgs = [] }) {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm --filter @cc2cc/hub build first`);
  const port = await freePort();
  const childEnv = {};
  // The caller's CC2CC_* settings would make figures depend on the shell that ran them.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CC2CC_")) childEnv[k] = v;
  Object.assign(childEnv, HUB_IMAGE_ENV, {
    CC2CC_HUB_HOST: "127.0.0.1",
    CC2CC_HUB_PORT: String(port),
    CC2CC_HUB_API_KEY: BENCH_KEY,
    CC2CC_REPLICA_NAME: replica,
    CC2CC_LOG_LEVEL: "warn",
    ...(redisUrl ? { CC2CC_REDIS_URL: redisUrl } : {}),
    ...env,
  });
  const proc = track(
    spawn(process.execPath, [...HUB_NODE_FLAGS, ...nodeArgs, entry], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let out = "";
  const capture = (c) => {
    out += c.toString("utf8");
    if (out.length > OUTPUT_MAX) out = out.slice(-OUTPUT_MAX);
  };
  proc.stdout.on("data", capture);
  proc.stderr.on("data", capture);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hub ${replica} exited (${proc.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`hub ${replica} never became ready:\n${out}`);
    }
    await sleep(100);
  }
  return {
    port,
    url,
    replica,
    pid: proc.pid,
    output: () => out,
    get running() {
      return proc.exitCode === null && proc.signalCode === null;
    },
    /** Resident set size in bytes, from /proc (Linux). */
    rss() {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) * 1024 : Number.NaN;
    },
    /** CPU seconds (user + system) the process has used, from /proc (Linux). */
    cpuSeconds() {
      return procCpuSeconds(proc.pid);
    },
    async stop(timeoutMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      // A plain timer here would keep the runner alive for timeoutMs after a prompt exit.
      let timer;
      const timedOut = new Promise((r) => {
        timer = setTimeout(() => r("timeout"), timeoutMs);
      });
      const how = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (how === "timeout") {
        proc.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** User + system CPU seconds of a process (Linux /proc/<pid>/stat, clock ticks of 100 Hz). */
export function procCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Starts Redis and `replicas` hubs on it; `stop()` ends them all. */
export async function startCluster({ replicas = 1, env = {}, entry, nodeArgs, redis: given } = {}) {
  const redis = given ?? (await startRedis());
  const hubs = [];
  try {
    for (let i = 0; i < replicas; i++) {
      hubs.push(await startHub({ redisUrl: redis.url, replica: `bench-${i + 1}`, env, entry, nodeArgs }));
    }
  } catch (err) {
    await Promise.all(hubs.map((h) => h.stop()));
    if (!given) await redis.stop();
    throw err;
  }
  return {
    redis,
    hubs,
    async stop() {
      await Promise.all(hubs.map((h) => h.stop()));
      if (!given) await redis.stop();
    },
  };
}

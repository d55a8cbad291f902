import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const HUB_ENTRY = join(ROOT, "hub", "dist", "main.js");
export const DASHBOARD_DIST = join(ROOT, "dashboard", "dist");
export const PLUGIN_KEY = "e2e-dash-plugin-key-0001";
export const DASHBOARD_KEY = "e2e-dash-dashboard-key-0001";

const live = new Set<ChildProcess>();
// A run that dies half way must not leave servers listening on a shared machine.
process.once("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

async function until(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
  log?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up in ${timeoutMs} ms${log ? `:\n${log()}` : ""}`);
}

/** A redis-server of this run's own on a free loopback port, no persistence. */
export class RedisProcess {
  private constructor(
    readonly port: number,
    private readonly proc: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisProcess> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "cc2cc-dash-redis-"));
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
      "--protected-mode",
      "no",
    ];
    const proc = spawn("redis-server", args, { stdio: "ignore" });
    live.add(proc);
    proc.once("exit", () => live.delete(proc));
    const r = new RedisProcess(port, proc, dir);
    await until("redis-server", 10_000, () => ping(port));
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await kill(this.proc, "SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ port, host: "127.0.0.1" });
    sock.setTimeout(500);
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.once("data", (d) => {
      sock.destroy();
      res(d.toString().startsWith("+PONG"));
    });
    sock.once("error", () => res(false));
    sock.once("timeout", () => {
      sock.destroy();
      res(false);
    });
  });
}

function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    proc.once("exit", () => res());
    proc.kill(signal);
  });
}

/** `node hub/dist/main.js` serving the built dashboard, on a free (or given) port. */
export class HubProcess {
  private out = "";
  private constructor(
    readonly port: number,
    readonly replica: string,
    private readonly proc: ChildProcess,
  ) {
    const keep = (b: Buffer) => {
      this.out = (this.out + b.toString()).slice(-20_000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
  }

  static async start(opts: {
    replica: string;
    redisUrl?: string;
    port?: number;
    env?: Record<string, string>;
  }): Promise<HubProcess> {
    for (const need of [HUB_ENTRY, join(DASHBOARD_DIST, "index.html")]) {
      if (!existsSync(need))
        throw new Error(`${need} is missing: build the hub and the dashboard first (pnpm build)`);
    }
    const port = opts.port ?? (await freePort());
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith("CC2CC_")) env[k] = v;
    Object.assign(env, {
      CC2CC_HUB_PORT: String(port),
      CC2CC_HUB_HOST: "127.0.0.1",
      CC2CC_HUB_API_KEY: PLUGIN_KEY,
      CC2CC_DASHBOARD_API_KEY: DASHBOARD_KEY,
      CC2CC_REPLICA_NAME: opts.replica,
      CC2CC_DASHBOARD_DIR: DASHBOARD_DIST,
      CC2CC_HEARTBEAT_INTERVAL: "1000",
      CC2CC_PRESENCE_TTL: "4000",
      CC2CC_REAPER_INTERVAL: "1000",
      CC2CC_SHUTDOWN_GRACE: "2000",
      CC2CC_LOG_LEVEL: "warn",
      ...(opts.redisUrl ? { CC2CC_REDIS_URL: opts.redisUrl, CC2CC_REDIS_PREFIX: "dash:" } : {}),
      ...opts.env,
    });
    const proc = spawn(process.execPath, [HUB_ENTRY], { env, stdio: ["ignore", "pipe", "pipe"] });
    live.add(proc);
    proc.once("exit", () => live.delete(proc));
    const hub = new HubProcess(port, opts.replica, proc);
    await until(
      `hub ${opts.replica}`,
      15_000,
      async () => (await fetch(`${hub.url}/ready`)).status === 200,
      () => hub.out,
    );
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGTERM: the graceful path (sockets told to reconnect). */
  stop(): Promise<void> {
    return kill(this.proc, "SIGTERM");
  }

  kill9(): Promise<void> {
    return kill(this.proc, "SIGKILL");
  }

  api<T>(path: string, init: RequestInit = {}): Promise<T> {
    return fetch(`${this.url}/api${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${DASHBOARD_KEY}`,
        "content-type": "application/json",
        ...init.headers,
      },
    }).then(async (r) => {
      if (!r.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    });
  }
}

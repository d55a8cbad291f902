import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis-server.js";

/** The built hub; CC2CC_E2E_HUB_ENTRY points the suite at another build (an installed package, say). */
export const HUB_ENTRY =
  process.env.CC2CC_E2E_HUB_ENTRY ??
  join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "main.js");
export const PLUGIN_KEY = "e2e-plugin-key-0123456789";
export const DASHBOARD_KEY = "e2e-dashboard-key-0123456789";

/**
 * Timers shortened so that presence expiry, heartbeats and the reaper act within a test's
 * patience. Each test file may override any of them.
 */
export const FAST_ENV: Readonly<Record<string, string>> = {
  CC2CC_HUB_HOST: "127.0.0.1",
  CC2CC_HUB_API_KEY: PLUGIN_KEY,
  CC2CC_DASHBOARD_API_KEY: DASHBOARD_KEY,
  CC2CC_PRESENCE_TTL: "2000",
  CC2CC_HEARTBEAT_INTERVAL: "500",
  CC2CC_REAPER_INTERVAL: "500",
  CC2CC_SHUTDOWN_GRACE: "2000",
  CC2CC_LOG_LEVEL: "info",
};

export interface HubProcessOptions {
  /** Unset: the in-process engine. */
  redisUrl?: string;
  replica?: string;
  /** Extra or overriding CC2CC_* variables. */
  env?: Record<string, string>;
  /** Reuse a port (restart of the same replica); a free one otherwise. */
  port?: number;
  readyTimeoutMs?: number;
}

const OUTPUT_MAX_CHARS = 64 * 1024;
const live = new Set<ChildProcess>();

// A test run that dies half way must not leave hubs listening on this shared box.
process.once("exit", () => {
  for (const proc of live) proc.kill("SIGKILL");
});

/**
 * One real hub (`node hub/dist/main.js`) on a free loopback port. Its stdout and stderr go to
 * a bounded buffer that failure messages quote, because a hub that misbehaves usually says why
 * in its log.
 */
export class HubProcess {
  readonly port: number;
  readonly replica: string;
  readonly engine: "memory" | "redis";
  private readonly proc: ChildProcess;
  private out = "";
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  private constructor(proc: ChildProcess, port: number, replica: string, engine: "memory" | "redis") {
    this.proc = proc;
    this.port = port;
    this.replica = replica;
    this.engine = engine;
    const capture = (chunk: Buffer): void => {
      this.out += chunk.toString("utf8");
      if (this.out.length > OUTPUT_MAX_CHARS) this.out = this.out.slice(-OUTPUT_MAX_CHARS);
    };
    proc.stdout?.on("data", capture);
    proc.stderr?.on("data", capture);
    this.exited = new Promise((resolve) => {
      proc.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(proc);
        resolve();
      });
    });
  }

  static async start(opts: HubProcessOptions = {}): Promise<HubProcess> {
    if (!existsSync(HUB_ENTRY)) {
      throw new Error(`${HUB_ENTRY} is missing: run pnpm --filter @cc2cc/hub build first`);
    }
    const port = opts.port ?? (await freePort());
    const replica = opts.replica ?? `r-${port}`;
    const env: Record<string, string> = {};
    // The parent's CC2CC_* settings would make results depend on the shell that ran the tests.
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith("CC2CC_")) env[k] = v;
    }
    Object.assign(env, FAST_ENV, opts.env ?? {}, {
      CC2CC_HUB_PORT: String(port),
      CC2CC_REPLICA_NAME: replica,
    });
    if (opts.redisUrl !== undefined) env.CC2CC_REDIS_URL = opts.redisUrl;
    const proc = spawn(process.execPath, [HUB_ENTRY], { env, stdio: ["ignore", "pipe", "pipe"] });
    live.add(proc);
    const hub = new HubProcess(proc, port, replica, opts.redisUrl === undefined ? "memory" : "redis");
    try {
      await hub.waitReady(opts.readyTimeoutMs ?? 15_000);
    } catch (err) {
      await hub.kill9();
      throw err;
    }
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitInfo;
  }

  /** The last part of what the hub printed, for failure messages. */
  output(lastChars = 4000): string {
    return this.out.slice(-lastChars);
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  }

  /** Polls GET /ready until 200; fails early, with the log, when the process exits. */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    await this.waitReadyStatus(200, timeoutMs);
  }

  /** Polls GET /ready until it answers `status` (503 while the engine is unreachable). */
  async waitReadyStatus(status: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer";
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`hub ${this.replica} exited (${JSON.stringify(this.exitInfo)}):\n${this.output()}`);
      }
      try {
        const res = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(1000) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === status) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`hub ${this.replica} /ready never answered ${status} (last: ${last}):\n${this.output()}`);
  }

  /** SIGKILL: no shutdown code runs, exactly like a node lost under Kubernetes. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.proc.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM and wait (bounded) for the exit; returns the exit code, or throws with the log. */
  async terminate(timeoutMs = 10_000): Promise<number | null> {
    if (this.running) {
      this.proc.kill("SIGTERM");
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
      if ((await Promise.race([this.exited, timer])) === "timeout") {
        await this.kill9();
        throw new Error(`hub ${this.replica} ignored SIGTERM for ${timeoutMs} ms:\n${this.output()}`);
      }
    }
    return this.exitInfo?.code ?? null;
  }
}

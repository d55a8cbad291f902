import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  /** Append-only file on (fsync every second), so a restart keeps what was written. */
  aof?: boolean;
}

/**
 * A real redis-server of this test run's own, on a free loopback port, with its data dir in a
 * temp folder. Tests may stop (SIGKILL or SIGTERM) and start it again on the same port and dir.
 */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  private proc: ChildProcess | null = null;
  private readonly aof: boolean;

  private constructor(port: number, dir: string, aof: boolean) {
    this.port = port;
    this.dir = dir;
    this.aof = aof;
  }

  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), "cc2cc-redis-")),
      opts.aof ?? true,
    );
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== null;
  }

  async startProcess(): Promise<void> {
    if (this.proc) return;
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--dir",
      this.dir,
      "--save",
      "",
      "--appendonly",
      this.aof ? "yes" : "no",
      "--appendfsync",
      "everysec",
      "--maxmemory-policy",
      "noeviction",
      "--protected-mode",
      "no",
    ];
    const proc = spawn("redis-server", args, { stdio: ["ignore", "ignore", "inherit"] });
    this.proc = proc;
    proc.on("exit", () => {
      if (this.proc === proc) this.proc = null;
    });
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const probe = new Redis(this.port, "127.0.0.1", {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on("error", () => {});
      try {
        await probe.connect();
        // With AOF the server answers LOADING until the file is replayed.
        if ((await probe.ping()) === "PONG") return;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not become ready`);
  }

  /** Stop the server. SIGKILL loses at most the last second of AOF; SIGTERM flushes it. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill(signal);
    });
    this.proc = null;
  }

  async restart(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await this.stop(signal);
    await this.startProcess();
  }

  /** A client with its own key prefix, so tests sharing this server never see each other. */
  client(keyPrefix?: string): Redis {
    return new Redis(this.port, "127.0.0.1", keyPrefix ? { keyPrefix } : {});
  }

  async close(): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

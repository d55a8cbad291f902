import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { freePort } from "./ports.js";

export const HUB_MAIN = resolve(import.meta.dirname, "../../../hub/dist/main.js");

export interface HubProcessOptions {
  replica: string;
  redisUrl: string;
  prefix: string;
  apiKey: string;
  env?: Record<string, string>;
}

/** A real hub replica (`node hub/dist/main.js`) on a free loopback port. */
export class HubProcess {
  private proc: ChildProcess | null = null;
  private readonly output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly opts: HubProcessOptions,
  ) {}

  static async start(opts: HubProcessOptions): Promise<HubProcess> {
    const hub = new HubProcess(await freePort(), opts);
    await hub.restart();
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last lines the hub logged, for failure messages. */
  tail(lines = 30): string {
    return this.output.slice(-lines).join("");
  }

  /** Start the process (again, after a kill) on the same port. */
  async restart(): Promise<void> {
    if (this.proc) return;
    const proc = spawn(process.execPath, [HUB_MAIN], {
      env: {
        PATH: process.env.PATH ?? "",
        CC2CC_HUB_PORT: String(this.port),
        CC2CC_HUB_HOST: "127.0.0.1",
        CC2CC_REDIS_URL: this.opts.redisUrl,
        CC2CC_REDIS_PREFIX: this.opts.prefix,
        CC2CC_HUB_API_KEY: this.opts.apiKey,
        CC2CC_REPLICA_NAME: this.opts.replica,
        CC2CC_LOG_LEVEL: "warn",
        ...this.opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.on("exit", () => {
      if (this.proc === proc) this.proc = null;
    });
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!this.proc) throw new Error(`hub ${this.opts.replica} exited during start:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/ready`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`hub ${this.opts.replica} did not become ready:\n${this.tail()}`);
  }

  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    await new Promise<void>((done) => {
      proc.once("exit", () => done());
      proc.kill(signal);
    });
    this.proc = null;
  }
}

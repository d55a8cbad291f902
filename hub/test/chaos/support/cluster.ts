import { HubProcess } from "../../helpers/hub-process.js";
import { freePort, RedisServer } from "../../helpers/redis-server.js";
import { TestClient, type TestClientOptions } from "../../helpers/test-client.js";
import { RoundRobinIngress } from "./rr-ingress.js";
import { reconnectLikePlugin } from "./stream.js";
import { TcpProxy } from "./tcp-proxy.js";

export interface ClusterOptions {
  replicas: number;
  env?: Record<string, string>;
  /** Per-replica extra env (a skewed clock, say), by index. */
  replicaEnv?: (index: number) => Record<string, string>;
  /** Put a round-robin ingress in front of the replicas. */
  ingress?: boolean;
  /** Replicas (by index) that reach Redis through a proxy the test can partition. */
  proxied?: number[];
  /** Redis append-only file (default on). */
  aof?: boolean;
}

/** Lifts the per-socket and per-pair guards so a test can stream at the box's speed. */
export const THROUGHPUT_ENV: Readonly<Record<string, string>> = {
  CC2CC_FRAME_RATE: "100000",
  CC2CC_PAIR_RATE: "1000000",
};

/**
 * Redis and N named replicas on fixed ports, so a killed replica can be started again at the
 * same address (a pod restarted behind the same Service). Everything it starts, test clients
 * included, is stopped by `close()`.
 */
export class Cluster {
  readonly hubs: HubProcess[];
  readonly clients: TestClient[] = [];
  /** Logs of replica incarnations that were killed or stopped, for failure messages. */
  private readonly pastLogs: string[] = [];
  readonly proxies = new Map<number, TcpProxy>();

  private constructor(
    readonly redis: RedisServer,
    readonly ports: number[],
    readonly names: string[],
    hubs: HubProcess[],
    private readonly opts: ClusterOptions,
    readonly ingress: RoundRobinIngress | null,
  ) {
    this.hubs = hubs;
  }

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const redis = await RedisServer.start({ aof: opts.aof ?? true });
    const ports: number[] = [];
    for (let i = 0; i < opts.replicas; i++) ports.push(await freePort());
    const names = ports.map((_, i) => `c${i + 1}`);
    const ingress = opts.ingress ? await RoundRobinIngress.start(ports) : null;
    const cluster = new Cluster(redis, ports, names, [], opts, ingress);
    try {
      for (const i of opts.proxied ?? []) cluster.proxies.set(i, await TcpProxy.start(redis.port));
      cluster.hubs.push(...(await Promise.all(ports.map((_, i) => cluster.spawn(i)))));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  private spawn(i: number): Promise<HubProcess> {
    return HubProcess.start({
      redisUrl: this.proxies.get(i)?.url ?? this.redis.url,
      replica: this.names[i]!,
      port: this.ports[i]!,
      env: { ...(this.opts.env ?? {}), ...(this.opts.replicaEnv?.(i) ?? {}) },
    });
  }

  hub(i: number): HubProcess {
    return this.hubs[i]!;
  }

  get url(): string {
    if (!this.ingress) throw new Error("this cluster has no ingress");
    return this.ingress.url;
  }

  /** A running replica, the first one found. */
  get live(): HubProcess {
    const hub = this.hubs.find((h) => h.running);
    if (!hub) throw new Error("no replica is running");
    return hub;
  }

  async kill9(i: number): Promise<void> {
    await this.hubs[i]!.kill9();
    this.pastLogs.push(`---- ${this.names[i]} (killed) ----\n${this.hubs[i]!.output(3000)}`);
  }

  /** SIGTERM; returns the exit code. */
  async terminate(i: number, timeoutMs = 15_000): Promise<number | null> {
    const code = await this.hubs[i]!.terminate(timeoutMs);
    this.pastLogs.push(`---- ${this.names[i]} (terminated, ${code}) ----\n${this.hubs[i]!.output(3000)}`);
    return code;
  }

  /** Start replica i again on its port, under its name. */
  async restart(i: number): Promise<HubProcess> {
    if (this.hubs[i]!.running) throw new Error(`${this.names[i]} is still running`);
    const hub = await this.spawn(i);
    this.hubs[i] = hub;
    return hub;
  }

  async client(opts: Omit<TestClientOptions, "url"> & { url?: string }): Promise<TestClient> {
    const client = await TestClient.connect({ url: this.ingress?.url ?? this.live.url, ...opts });
    reconnectLikePlugin(client);
    this.clients.push(client);
    return client;
  }

  logs(): string {
    const current = this.hubs.map((h, i) => `---- ${this.names[i]} ----\n${h.output(3000)}`);
    return [...this.pastLogs.slice(-4), ...current].join("\n");
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.ingress?.close();
    for (const p of this.proxies.values()) p.heal();
    await Promise.all(
      this.hubs.map(async (h) => {
        try {
          await h.terminate(5000);
        } catch {
          // terminate already fell back to SIGKILL
        }
      }),
    );
    for (const p of this.proxies.values()) await p.close();
    await this.redis.close();
  }
}

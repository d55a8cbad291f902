import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisServer } from "../../../hub/test/helpers/redis-server.js";
import { FailoverProxy } from "./failover-proxy.js";
import { HubProcess } from "./hub-process.js";
import { type ChannelEvent, PluginProcess, type PluginProcessOptions } from "./plugin-process.js";

export const KEY = "e2e-plugin-key-0001";

export interface StartOptions {
  hubUrl?: string;
  sessionId?: string;
  key?: string;
  env?: Record<string, string>;
  entry?: PluginProcessOptions["entry"];
}

/**
 * What the end-to-end suites run against, no mocks: one redis-server, two hub replicas sharing
 * it, and a TCP proxy in front of them standing in for the LAN ingress.
 */
export class Cluster {
  private readonly plugins = new Set<PluginProcess>();
  private count = 0;

  private constructor(
    readonly redis: RedisServer,
    readonly hubA: HubProcess,
    readonly hubB: HubProcess,
    readonly proxy: FailoverProxy,
    readonly dir: string,
  ) {}

  static async start(hubEnv: Record<string, string> = {}): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), "cc2cc-plugin-e2e-"));
    const redis = await RedisServer.start({ aof: false });
    const common = { redisUrl: redis.url, prefix: `e2e${process.pid}:`, apiKey: KEY, env: hubEnv };
    const [hubA, hubB] = await Promise.all([
      HubProcess.start({ ...common, replica: "hub-a" }),
      HubProcess.start({ ...common, replica: "hub-b" }),
    ]);
    const proxy = await FailoverProxy.start(() => [hubA.port, hubB.port]);
    return new Cluster(redis, hubA, hubB, proxy, dir);
  }

  /** A plugin process (through the proxy unless told otherwise) with its own session file. */
  async plugin(username: string, opts: StartOptions = {}): Promise<PluginProcess> {
    const plugin = await PluginProcess.start({
      hubUrl: opts.hubUrl ?? this.proxy.url,
      apiKey: opts.key ?? KEY,
      username,
      sessionFile: join(this.dir, `${username}-${++this.count}.session.json`),
      ...(opts.sessionId !== undefined ? { sessionId: opts.sessionId } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      ...(opts.entry !== undefined ? { entry: opts.entry } : {}),
    });
    this.plugins.add(plugin);
    return plugin;
  }

  /** Adopt a plugin started by hand, so that close() stops it. */
  adopt(plugin: PluginProcess): PluginProcess {
    this.plugins.add(plugin);
    return plugin;
  }

  async stop(plugin: PluginProcess): Promise<void> {
    this.plugins.delete(plugin);
    await plugin.stop();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.plugins].map((p) => p.stop()));
    await this.proxy.close();
    await Promise.allSettled([this.hubA.kill("SIGKILL"), this.hubB.kill("SIGKILL")]);
    await this.redis.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type Instance = {
  instanceId: string;
  online: boolean;
  queueDepth: number;
  processing: number;
  role: string | null;
};

export async function instances(p: PluginProcess): Promise<Instance[]> {
  return (await p.call<{ instances: Instance[] }>("list_instances")).instances;
}

/** Queued plus handed-out-but-unacknowledged messages of one instance (0 when unknown). */
export async function held(p: PluginProcess, instanceId: string): Promise<number> {
  const me = (await instances(p)).find((i) => i.instanceId === instanceId);
  return (me?.queueDepth ?? 0) + (me?.processing ?? 0);
}

export const byId = (id: string | undefined) => (e: ChannelEvent) => e.meta.message_id === id;

/** The tool's own log must never show the hub answering off the shared contract. */
export function protocolComplaints(): string[] {
  return PluginProcess.all
    .map((p) => p.stderr())
    .flatMap((log) => log.split("\n"))
    .filter((line) => /does not match the protocol|invalid messages frame|invalid welcome|fatal:/.test(line));
}

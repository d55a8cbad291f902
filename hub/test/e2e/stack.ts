import type { ErrorBody, ErrorCode, InstanceInfo, Reply } from "@cc2cc/shared";
import { afterAll, beforeAll, beforeEach, expect, type TestContext } from "vitest";
import { HubProcess } from "../helpers/hub-process.js";
import { RedisServer } from "../helpers/redis-server.js";
import { TestClient, type TestClientOptions } from "../helpers/test-client.js";

export type EngineKind = "memory" | "redis";
export const ENGINES: readonly EngineKind[] = ["memory", "redis"];

export interface StackOptions {
  engine: EngineKind;
  replicas?: number;
  env?: Record<string, string>;
}

export type ClientOptions = Omit<TestClientOptions, "url"> & { url?: string };

/**
 * One stack for the enclosing describe block (or file): started before its tests and handed to
 * `started`, its logs printed for a failing test, its clients' frames checked and everything
 * stopped after.
 */
export function withStack(opts: StackOptions, started: (stack: Stack) => void): void {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await Stack.start(opts);
    started(stack);
  }, 30_000);
  afterAll(async () => {
    if (!stack) return;
    stack.expectCleanFrames();
    await stack.close();
  }, 30_000);
  beforeEach((ctx) => stack?.dumpLogsOnFailure(ctx));
}

/**
 * The processes one test file runs against: a redis-server of its own (for the Redis engine)
 * and one or more hub replicas. Everything it starts, including test clients, is stopped by
 * `close()`, which `withStack` calls after the file's tests.
 */
export class Stack {
  readonly clients: TestClient[] = [];
  private observer: TestClient | undefined;

  private constructor(
    readonly redis: RedisServer | null,
    readonly hubs: HubProcess[],
  ) {}

  static async start(opts: StackOptions): Promise<Stack> {
    const redis = opts.engine === "redis" ? await RedisServer.start({ aof: true }) : null;
    const hubs: HubProcess[] = [];
    const stack = new Stack(redis, hubs);
    try {
      const count = opts.replicas ?? 1;
      const started = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          HubProcess.start({
            replica: `r${i + 1}`,
            ...(redis ? { redisUrl: redis.url } : {}),
            ...(opts.env ? { env: opts.env } : {}),
          }),
        ),
      );
      hubs.push(...started);
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  /** The first replica still running (tests may kill some). */
  get hub(): HubProcess {
    const hub = this.hubs.find((h) => h.running);
    if (!hub) throw new Error("every hub of this stack has exited");
    return hub;
  }

  async client(opts: ClientOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect({ url: this.hub.url, ...opts });
    this.clients.push(client);
    return client;
  }

  /** list_instances through an observer connection of the stack's own. */
  async instances(): Promise<InstanceInfo[]> {
    if (!this.observer?.connected) {
      this.observer?.close();
      this.observer = await this.client();
    }
    return (await this.observer.ok("list_instances", {})).instances;
  }

  /** Polls list_instances until the instance shows `online` (bounded). */
  async waitPresence(instanceId: string, online: boolean, timeoutMs = 5000): Promise<InstanceInfo> {
    const deadline = Date.now() + timeoutMs;
    let last: InstanceInfo | undefined;
    while (Date.now() < deadline) {
      last = (await this.instances()).find((i) => i.instanceId === instanceId);
      if (last && last.online === online) return last;
      await sleep(100);
    }
    throw new Error(`${instanceId} never showed online=${online}; last: ${JSON.stringify(last)}`);
  }

  connectError(opts: ClientOptions = {}): Promise<unknown> {
    return TestClient.connectError({ url: this.hub.url, ...opts });
  }

  /** Every hub's recent log, quoted when a test fails. */
  logs(): string {
    return this.hubs.map((h) => `---- hub ${h.replica} (${h.engine}) ----\n${h.output()}`).join("\n");
  }

  /** Call from beforeEach: a failing test prints the hubs' logs. */
  dumpLogsOnFailure(ctx: TestContext): void {
    ctx.onTestFailed(() => {
      console.error(this.logs());
    });
  }

  /** No test client may have seen a frame that breaks the shared schemas. */
  expectCleanFrames(): void {
    for (const c of this.clients) expect(c.badFrames, `bad frames seen by ${c.instanceId}`).toEqual([]);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(
      this.hubs.map(async (h) => {
        try {
          await h.terminate(5000);
        } catch {
          // terminate already fell back to SIGKILL; nothing is left running
        }
      }),
    );
    await this.redis?.close();
  }
}

let counter = 0;
/** A name unique in this process, valid as an id part, role or topic name. */
export function uniq(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}x${Math.random().toString(36).slice(2, 7)}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asserts an error reply with `code` and returns its ErrorBody. */
export function expectError<T>(reply: Reply<T>, code: ErrorCode): ErrorBody {
  if (reply.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(reply.data)}`);
  expect(reply.error.code, JSON.stringify(reply.error)).toBe(code);
  return reply.error;
}

import { readFileSync } from "node:fs";
import { Cc2ccError, type ErrorCode, type Message } from "@cc2cc/shared";
import { Redis, type RedisOptions } from "ioredis";
import { v7 as uuidv7 } from "uuid";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Engine, EngineOptions } from "../../src/engine/engine.js";
import { createRedisEngine } from "../../src/engine/redis-engine.js";
import { SCRIPT_ERRORS } from "../../src/engine/redis-errors.js";
import { loadScripts, SCRIPT_FILES } from "../../src/engine/redis-scripts.js";
import { RedisServer } from "../helpers/redis-server.js";
import { engineContract } from "./contract.js";
import { claimed } from "./contract-helpers.js";

let server: RedisServer;
let shared: Redis;
let counter = 0;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await RedisServer.start({ aof: true });
  shared = trackedClient();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

function trackedClient(opts: RedisOptions = {}): Redis {
  const c = new Redis(server.port, "127.0.0.1", { retryStrategy: () => 50, ...opts });
  c.on("error", () => {}); // outages are expected in this file
  clients.push(c);
  return c;
}

/** A hub-like connection: fail fast while Redis is away, as open-engine.ts configures it. */
function failFastClient(): Redis {
  return trackedClient({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
}

function nextPrefix(): string {
  counter += 1;
  return `t${counter}:`;
}

async function dropPrefix(prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await shared.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await shared.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}

async function waitReady(c: Redis): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (c.status !== "ready") {
    if (Date.now() > deadline) throw new Error(`client not ready: ${c.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | "resolved"> {
  try {
    await p;
    return "resolved";
  } catch (err) {
    expect(err).toBeInstanceOf(Cc2ccError);
    return (err as Cc2ccError).code;
  }
}

const alice = "alice@lan:demo/s1";
const aliceNew = "alice@lan:demo/s2";
const bob = "bob@lan:demo/s1";

function message(to: string): Message {
  return { id: uuidv7(), from: bob, to, type: "task", content: "hello", timestamp: new Date().toISOString() };
}

function register(engine: Engine, instanceId: string, connId = `conn-${instanceId}`) {
  return engine.register({ instanceId, secretHash: `hash-${instanceId}`, replica: "r1", connId });
}

describe("redis engine specifics", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (let c = cleanups.pop(); c; c = cleanups.pop()) await c();
  });

  function make(
    client: Redis = shared,
    opts: Partial<EngineOptions> = {},
  ): { engine: Engine; prefix: string } {
    const prefix = nextPrefix();
    cleanups.push(() => dropPrefix(prefix));
    return { engine: createRedisEngine(client, { ...opts, prefix }), prefix };
  }

  it("ships every script as <name>-<numKeys>.lua opening with a KEYS/ARGV/returns comment", () => {
    const scripts = loadScripts();
    expect(scripts.map((s) => s.file)).toEqual([...SCRIPT_FILES]);
    for (const file of SCRIPT_FILES) {
      const text = readFileSync(new URL(`../../src/engine/lua/${file}.lua`, import.meta.url), "utf8");
      const header = text.split("\n").filter((l) => l.startsWith("--"));
      expect(text.startsWith("--"), file).toBe(true);
      const numKeys = Number(file.slice(file.lastIndexOf("-") + 1));
      expect(
        header.some((l) => l.includes("KEYS[")),
        file,
      ).toBe(numKeys > 0);
      expect(
        header.some((l) => /returns/.test(l)),
        file,
      ).toBe(true);
    }
    // The Lua side sees the same failure codes as the TypeScript table.
    for (const [code, n] of Object.entries(SCRIPT_ERRORS)) {
      expect(scripts[0]!.lua).toContain(`${code} = ${n}`);
    }
  });

  it("loads its scripts into Redis once used (EVALSHA afterwards)", async () => {
    const { engine } = make();
    await register(engine, alice);
    await engine.enqueue([alice], message(alice));
    await claimed(engine, alice, `conn-${alice}`, 10);
    const used = loadScripts().filter((s) => ["register-18", "enqueue-10", "claim-7"].includes(s.file));
    const { createHash } = await import("node:crypto");
    const shas = used.map((s) => createHash("sha1").update(s.lua).digest("hex"));
    expect(await shared.script("EXISTS", ...shas)).toEqual([1, 1, 1]);
  });

  it("keeps every key of one user@host:project under one hash tag, lists holding only ids", async () => {
    const { engine, prefix } = make();
    await register(engine, alice);
    await register(engine, bob);
    await engine.subscribe(alice, "builds");
    const m1 = message(alice);
    const m2 = message(alice);
    await engine.enqueue([alice, bob], m1);
    await engine.enqueue([alice], m2);
    await claimed(engine, alice, `conn-${alice}`, 1);
    await engine.rateLimit("broadcast:x", 1, 10_000);

    const keys = (await shared.keys(`${prefix}*`)).sort();
    const aliceKeys = keys.filter((k) => k.includes("alice") && !k.includes("{status}"));
    expect(aliceKeys).toEqual(
      ["bodies", "info", "meta", "presence", "processing", "queue", "receipts", "topics"].map(
        (s) => `${prefix}{alice@lan:demo}:s1:${s}`,
      ),
    );
    for (const k of keys) {
      const tag = /\{([^}]*)\}/.exec(k)?.[1];
      if (k.includes("@") && !k.includes("{status}")) expect(tag).toMatch(/^[a-z]+@lan:demo$/);
      else if (tag !== undefined) expect(["global", "status"]).toContain(tag);
    }
    expect(keys).toContain(`${prefix}{global}:instances`);
    expect(keys).toContain(`${prefix}{global}:subs:builds`);
    // Lists hold ids; the body is stored once per recipient in the bodies hash.
    expect(await shared.lrange(`${prefix}{alice@lan:demo}:s1:queue`, 0, -1)).toEqual([m2.id]);
    expect(await shared.lrange(`${prefix}{alice@lan:demo}:s1:processing`, 0, -1)).toEqual([m1.id]);
    expect(JSON.parse((await shared.hget(`${prefix}{alice@lan:demo}:s1:bodies`, m1.id)) ?? "")).toEqual(m1);
    // Offline queues expire: message keys carry the queue TTL.
    const ttl = await shared.pttl(`${prefix}{alice@lan:demo}:s1:queue`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600_000);
  });

  it("a retried enqueue of the same message id does not queue it twice", async () => {
    const { engine } = make();
    await register(engine, alice);
    const m = message(alice);
    expect(await engine.enqueue([alice, alice], m)).toEqual({ queued: [alice], refused: [] });
    expect(await engine.enqueue([alice], m)).toEqual({ queued: [alice], refused: [] });
    expect((await engine.queueStats(alice)).pending).toBe(1);
  });

  it("refuses a migration across user@host:project (it could not be one script)", async () => {
    const { engine } = make();
    await register(engine, bob);
    const res = engine.register({
      instanceId: aliceNew,
      secretHash: "h",
      replica: "r1",
      connId: "c",
      migrateFrom: { instanceId: bob, secretHash: `hash-${bob}` },
    });
    expect(await codeOf(res)).toBe("VALIDATION");
    expect(await engine.getInstance(aliceNew)).toBeNull();
  });

  it("fences two replicas sharing one Redis: only the latest connection claims", async () => {
    const prefix = nextPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const replicaA = createRedisEngine(shared, { prefix });
    const replicaB = createRedisEngine(failFastClient(), { prefix });
    await register(replicaA, alice, "sock-a");
    const list = Array.from({ length: 20 }, () => message(alice));
    for (const m of list) await replicaA.enqueue([alice], m);
    expect(await claimed(replicaA, alice, "sock-a", 5)).toHaveLength(5);
    await register(replicaB, alice, "sock-b");
    expect(await codeOf(replicaA.claim(alice, "sock-a", 5))).toBe("NOT_HOLDER");
    expect(await replicaA.heartbeat([{ instanceId: alice, connId: "sock-a" }])).toEqual([alice]);
    // Concurrent claims by the holder never hand out one message twice.
    const batches = await Promise.all(Array.from({ length: 8 }, () => claimed(replicaB, alice, "sock-b", 3)));
    const seen = batches.flat().map((m) => m.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5).sort()).toEqual(
      list
        .slice(0, 5)
        .map((m) => m.id)
        .sort(),
    );
  });

  it("keeps working after SCRIPT FLUSH, for single calls and pipelines", async () => {
    const { engine } = make();
    await register(engine, alice);
    await register(engine, bob);
    await engine.enqueue([alice, bob], message(alice));
    await shared.script("FLUSH");
    expect(await engine.enqueue([alice, bob], message(alice))).toEqual({ queued: [alice, bob], refused: [] });
    await shared.script("FLUSH");
    expect(await claimed(engine, alice, `conn-${alice}`, 10)).toHaveLength(2);
    await shared.script("FLUSH");
    expect(await engine.heartbeat([{ instanceId: alice, connId: `conn-${alice}` }])).toEqual([]);
  });

  it("rejects ENGINE_UNAVAILABLE while Redis is down and recovers once it is back", async () => {
    const client = failFastClient();
    await waitReady(client);
    const { engine } = make(client);
    await register(engine, alice);
    await server.stop("SIGKILL");
    try {
      expect(await engine.ping()).toBe(false);
      expect(await codeOf(engine.enqueue([alice], message(alice)))).toBe("ENGINE_UNAVAILABLE");
      expect(await codeOf(engine.claim(alice, `conn-${alice}`, 1))).toBe("ENGINE_UNAVAILABLE");
      expect(await codeOf(engine.reap())).toBe("ENGINE_UNAVAILABLE");
      expect(await codeOf(engine.listInstances())).toBe("ENGINE_UNAVAILABLE");
    } finally {
      await server.startProcess();
    }
    await waitReady(client);
    await waitReady(shared);
    expect(await engine.ping()).toBe(true);
    // A fresh server has no script cache: EVALSHA falls back to EVAL by itself.
    await register(engine, bob);
    expect(await engine.enqueue([bob], message(bob))).toEqual({ queued: [bob], refused: [] });
    expect(await claimed(engine, bob, `conn-${bob}`, 10)).toHaveLength(1);
  });

  it("keeps queues, subscriptions and status across a Redis restart (AOF)", async () => {
    const client = failFastClient();
    await waitReady(client);
    const { engine } = make(client);
    await register(engine, alice);
    await engine.subscribe(alice, "builds");
    const list = [message(alice), message(alice), message(alice)];
    for (const m of list) await engine.enqueue([alice], m);
    await claimed(engine, alice, `conn-${alice}`, 1);
    // Status records are written in batches within tens of milliseconds.
    await new Promise((r) => setTimeout(r, 100));
    await server.restart("SIGTERM");
    await waitReady(client);
    await waitReady(shared);
    expect(await engine.getInstance(alice)).toMatchObject({ queueDepth: 2, processing: 1 });
    expect(await engine.topicSubscribers("builds")).toEqual([alice]);
    expect((await engine.getMessageStatus(list[0]!.id))?.recipients).toHaveLength(1);
    const again = await register(engine, alice, "after-restart");
    expect(again.requeued).toBe(1);
    expect((await claimed(engine, alice, "after-restart", 10)).map((m) => m.id)).toEqual(
      list.map((m) => m.id),
    );
  });

  it("keeps delivery counts and dead letters under the instance's tag with the queue TTL", async () => {
    const { engine, prefix } = make(shared, { maxDeliveries: 1, queueTtlMs: 60_000 });
    const base = `${prefix}{alice@lan:demo}:s1:`;
    await register(engine, alice);
    const [m1, m2] = [message(alice), message(alice)];
    const [before] = await shared.time();
    await engine.enqueue([alice], m1);
    await engine.enqueue([alice], m2);
    // The enqueue time is Redis TIME, whatever the message's own timestamp says.
    const [at, count] = ((await shared.hget(`${base}meta`, m1.id)) ?? "").split(":");
    expect(Number(at)).toBeGreaterThanOrEqual(Number(before) * 1000);
    expect(Number(at)).toBeLessThanOrEqual(Date.now() + 1);
    expect(count).toBe("0");
    expect(await claimed(engine, alice, `conn-${alice}`, 10)).toHaveLength(2);
    expect(await shared.hget(`${base}meta`, m1.id)).toMatch(new RegExp(`^${at}:1:\\d{13}$`));
    await engine.ack(alice, [m2.id]);
    expect(await shared.hkeys(`${base}meta`)).toEqual([m1.id]);
    await engine.requeue(alice);
    expect(await claimed(engine, alice, `conn-${alice}`, 10)).toEqual([]);
    expect(await shared.lrange(`${base}dead`, 0, -1)).toEqual([m1.id]);
    const entry = (await shared.hget(`${base}dead-entries`, m1.id)) ?? "";
    expect(entry.startsWith("max_deliveries|1|")).toBe(true);
    expect(JSON.parse(entry.split("|").slice(3).join("|"))).toEqual(m1);
    expect(await shared.exists(`${base}meta`, `${base}bodies`)).toBe(0);
    await shared.pexpire(`${base}dead`, 5_000);
    await shared.pexpire(`${base}dead-entries`, 5_000);
    // Any write or sighting refreshes every message key, dead letters included.
    await engine.heartbeat([{ instanceId: alice, connId: `conn-${alice}` }]);
    for (const key of ["dead", "dead-entries"]) {
      expect(await shared.pttl(`${base}${key}`)).toBeGreaterThan(50_000);
    }
    await engine.flush(alice);
    expect(await shared.exists(`${base}dead`, `${base}dead-entries`, `${base}meta`)).toBe(0);
  });

  it("a message queued by an older hub (no meta) starts its clock and count at its first claim", async () => {
    const { engine, prefix } = make(shared, { maxDeliveries: 1 });
    const base = `${prefix}{alice@lan:demo}:s1:`;
    await register(engine, alice);
    const m = message(alice);
    await engine.enqueue([alice], m);
    await shared.del(`${base}meta`);
    expect(await claimed(engine, alice, `conn-${alice}`, 10)).toEqual([m]);
    expect(await shared.hget(`${base}meta`, m.id)).toMatch(/^\d{13}:1:\d{13}$/);
    await engine.requeue(alice);
    expect(await claimed(engine, alice, `conn-${alice}`, 10)).toEqual([]);
    expect((await engine.deadLetters(alice, 10)).map((d) => [d.reason, d.deliveries])).toEqual([
      ["max_deliveries", 1],
    ]);
  });

  it("keeps hops and the ack in the recipient's receipt, rotated every statusTtlMs", async () => {
    const { engine, prefix } = make(shared, { statusTtlMs: 300 });
    const base = `${prefix}{alice@lan:demo}:s1:`;
    await register(engine, alice);
    const m = { ...message(alice), hops: 4 };
    await engine.enqueue([alice], m);
    expect(await shared.hget(`${base}receipts`, m.id)).toMatch(/^\d{13}\|4\|\|\|$/);
    await claimed(engine, alice, `conn-${alice}`, 10);
    await engine.ack(alice, [m.id]);
    expect(await shared.hget(`${base}receipts`, m.id)).toMatch(/^\d{13}\|4\|\d{13}\|\|$/);
    const ttl = await shared.pttl(`${base}receipts`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    // The first enqueue after statusTtlMs starts a new generation; the old one is still read.
    await new Promise((r) => setTimeout(r, 320));
    await engine.enqueue([alice], message(alice));
    expect(await shared.hexists(`${base}receipts-old`, m.id)).toBe(1);
    expect(await shared.hexists(`${base}receipts`, m.id)).toBe(0);
    expect((await engine.getHops(m.id, alice)) ?? "expired").toBe("expired");
  });

  it("counts messages in memory and writes them about once a second for every replica", async () => {
    const prefix = nextPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const replicaA = createRedisEngine(shared, { prefix });
    const replicaB = createRedisEngine(shared, { prefix });
    for (let i = 0; i < 50; i++) replicaA.countMessage("task");
    expect(await replicaA.messagesToday()).toEqual({ task: 50 });
    expect(await replicaB.messagesToday()).toEqual({});
    const deadline = Date.now() + 2_000;
    while (Object.keys(await replicaB.messagesToday()).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await replicaB.messagesToday()).toEqual({ task: 50 });
    expect(await replicaA.messagesToday()).toEqual({ task: 50 });
    replicaB.countMessage("result");
    await replicaB.close();
    expect(await replicaA.messagesToday()).toEqual({ task: 50, result: 1 });
    await replicaA.close();
  });

  it("another replica sees a message's status once its batch is written (tens of ms)", async () => {
    const prefix = nextPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const replicaA = createRedisEngine(shared, { prefix });
    const replicaB = createRedisEngine(shared, { prefix });
    await register(replicaA, alice);
    const m = message(alice);
    await replicaA.enqueue([alice], m);
    expect((await replicaA.getMessageStatus(m.id))?.recipients).toEqual([
      { instanceId: alice, state: "queued", at: expect.any(String) },
    ]);
    await new Promise((r) => setTimeout(r, 150));
    expect(await replicaB.getMessageStatus(m.id)).toEqual(await replicaA.getMessageStatus(m.id));
    await replicaA.close();
    await replicaB.close();
  });

  it("a delivered direct message costs three scripts: enqueue, claim, ack", async () => {
    const { engine } = make();
    await register(engine, alice);
    const calls = async () => {
      const info = await shared.info("commandstats");
      const count = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      return count("evalsha") + count("eval");
    };
    const before = await calls();
    const n = 20;
    for (let i = 0; i < n; i++) {
      const m = message(alice);
      await engine.enqueue([alice], m);
      const { messages } = await engine.claim(alice, `conn-${alice}`, 10);
      await engine.ack(
        alice,
        messages.map((x) => x.id),
      );
    }
    await engine.close();
    // Plus the batched status records: one script per batch, not per message.
    const used = (await calls()) - before;
    expect(used).toBeGreaterThanOrEqual(3 * n);
    expect(used).toBeLessThanOrEqual(3 * n + 3);
  });

  it("the scripts one turn of the event loop issues leave in one socket write, each with its own reply", async () => {
    const client = failFastClient();
    await waitReady(client);
    const { engine } = make(client);
    await register(engine, alice);
    await register(engine, bob);
    await new Promise((r) => setImmediate(r));
    // Count the writes that reach the socket (a corked socket hands them over in one writev).
    const stream = client.stream as unknown as {
      _write: (...a: unknown[]) => void;
      _writev: (...a: unknown[]) => void;
    };
    let writes = 0;
    const [write, writev] = [stream._write, stream._writev];
    stream._write = (...a) => {
      writes++;
      write.apply(stream, a);
    };
    stream._writev = (...a) => {
      writes++;
      writev.apply(stream, a);
    };
    try {
      const sent = Array.from({ length: 30 }, (_, i) => message(i % 2 === 0 ? bob : alice));
      const results = await Promise.all(sent.map((m) => engine.enqueue([m.to], m)));
      expect(results.map((r) => r.queued)).toEqual(sent.map((m) => [m.to]));
      expect(writes).toBe(1);
      // Replies keep their order: each recipient's queue holds its messages oldest first.
      const { messages } = await engine.claim(bob, `conn-${bob}`, 100);
      expect(messages.map((m) => m.id)).toEqual(sent.filter((m) => m.to === bob).map((m) => m.id));
    } finally {
      stream._write = write;
      stream._writev = writev;
      await engine.close();
    }
  });

  it("close() leaves the caller's connection open", async () => {
    const { engine } = make();
    await engine.close();
    expect(await shared.ping()).toBe("PONG");
  });
});

engineContract("redis", async (opts) => {
  const prefix = nextPrefix();
  const engine = createRedisEngine(shared, { ...opts, prefix });
  return {
    engine,
    cleanup: async () => {
      await engine.close();
      await dropPrefix(prefix);
    },
  };
});

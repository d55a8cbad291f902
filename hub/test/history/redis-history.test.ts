import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisHistory } from "../../src/history/redis-history.js";
import { RedisServer } from "../helpers/redis-server.js";
import { historyContract } from "./contract.js";
import { ALICE, BOB, sent } from "./events.js";

let server: RedisServer;
let redis: Redis;
let counter = 0;

beforeAll(async () => {
  server = await RedisServer.start({ aof: false });
  // Configured like the engine's command connection: fail fast while Redis is away.
  redis = new Redis(server.port, "127.0.0.1", { maxRetriesPerRequest: 1, enableOfflineQueue: true });
});

afterAll(async () => {
  redis.disconnect();
  await server.close();
});

historyContract("redis", async (opts, clock) => {
  counter += 1;
  return createRedisHistory(
    redis,
    { maxLen: 100_000, maxAgeMs: 7 * 24 * 3_600_000, ...opts, prefix: `h${counter}:` },
    clock,
  );
});

describe("Redis history layout", () => {
  it("keeps one stream entry per event and expiring index records", async () => {
    const store = createRedisHistory(redis, { maxLen: 1000, maxAgeMs: 60_000, prefix: "layout:" });
    const m = sent(ALICE, [BOB]);
    await store.append([m]);
    expect(await redis.xlen("layout:history:log")).toBe(1);
    const ttl = await redis.pttl(`layout:history:msg:${m.message.id}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await redis.zscore("layout:history:threads", m.message.id)).toBe(String(Date.parse(m.at)));
  });

  it("rejects with ENGINE_UNAVAILABLE while Redis is away", async () => {
    const lonely = new Redis(1, "127.0.0.1", {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    lonely.on("error", () => {});
    const store = createRedisHistory(lonely, { maxLen: 1000, maxAgeMs: 60_000, prefix: "away:" });
    await expect(store.append([sent(ALICE, [BOB])])).rejects.toMatchObject({ code: "ENGINE_UNAVAILABLE" });
    lonely.disconnect();
  });
});

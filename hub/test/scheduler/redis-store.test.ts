import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe } from "vitest";
import { createRedisScheduleStore } from "../../src/scheduler/redis-schedule-store.js";
import { RedisServer } from "../helpers/redis-server.js";
import { scheduleStoreContract } from "./store-contract.js";

describe("redis schedule store", () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await RedisServer.start({ aof: false });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });
  // Each test its own key prefix, and its own connection like a replica would have.
  scheduleStoreContract(async ({ historyMax }) => {
    const redis = server.client();
    clients.push(redis);
    return createRedisScheduleStore(redis, { prefix: `t${++n}:`, historyMax });
  });
});

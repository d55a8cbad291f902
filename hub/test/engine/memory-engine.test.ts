import { describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/engine/memory-engine.js";
import { engineContract } from "./contract.js";
import { iid, reg } from "./contract-helpers.js";

engineContract("memory", async (opts) => {
  const engine = createMemoryEngine(opts);
  return { engine, cleanup: () => engine.close() };
});

describe("memory engine specifics", () => {
  it("follows the injected clock for presence and the UTC day of counters", async () => {
    let now = Date.parse("2025-03-01T23:59:59.000Z");
    const engine = createMemoryEngine({ presenceTtlMs: 1000, clock: () => now });
    const a = iid("alice");
    await reg(engine, a);
    engine.countMessage("task");
    expect(await engine.messagesToday()).toEqual({ task: 1 });
    now += 1001;
    expect((await engine.getInstance(a))?.online).toBe(false);
    expect(await engine.messagesToday()).toEqual({});
    expect(await engine.reap()).toEqual({ wentOffline: [a], requeued: 0, removed: [], topicsExpired: [] });
  });

  it("reports not ready after close", async () => {
    const engine = createMemoryEngine();
    expect(await engine.ping()).toBe(true);
    await engine.close();
    expect(await engine.ping()).toBe(false);
  });
});

import { Cc2ccError, type Message } from "@cc2cc/shared";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DeliveryPump } from "../../src/core/delivery-pump.js";
import { instrumentEngine } from "../../src/core/instrumented-engine.js";
import type { Engine } from "../../src/engine/engine.js";
import { createMemoryEngine } from "../../src/engine/memory-engine.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { iid, msgs, reg } from "../engine/contract-helpers.js";

const a = iid("alice");
const b = iid("bob");
const conn = `conn-${a}`;

/** A real memory engine whose claims are counted, with what each one returned. */
function counted(window: number): { engine: Engine; claims: Array<{ n: number; remaining: number }> } {
  const inner = createMemoryEngine({ inflightWindow: window });
  const claims: Array<{ n: number; remaining: number }> = [];
  const engine: Engine = {
    ...inner,
    claim: async (id, c, max) => {
      const r = await inner.claim(id, c, max);
      claims.push({ n: r.messages.length, remaining: r.remaining });
      return r;
    },
  };
  return { engine, claims };
}

function pumpFor(engine: Engine, window: number, pushed: Message[][]): DeliveryPump {
  const metrics = createMetrics(new Registry(), { queueDepth: async () => ({ total: 0, max: 0 }) });
  return new DeliveryPump(
    a,
    conn,
    (m) => pushed.push(m),
    () => {},
    {
      engine,
      metrics,
      logger: createLogger({ level: "silent", replica: "test" }),
      batch: window,
    },
  );
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("DeliveryPump", () => {
  it("claims once for what is queued, and an ack with nothing waiting claims nothing", async () => {
    const { engine, claims } = counted(32);
    await reg(engine, a);
    const list = msgs(5, b, a);
    for (const m of list) await engine.enqueue([a], m);
    const pushed: Message[][] = [];
    const pump = pumpFor(engine, 32, pushed);
    pump.start();
    await settle();
    expect(claims).toEqual([{ n: 5, remaining: 0 }]);
    expect(pushed.flat().map((m) => m.id)).toEqual(list.map((m) => m.id));
    await engine.ack(
      a,
      list.map((m) => m.id),
    );
    pump.acked(list.map((m) => m.id));
    await settle();
    expect(claims).toHaveLength(1);
    pump.stop();
  });

  it("behind a full window, each ack makes room for exactly one claim, and none comes back empty", async () => {
    const { engine, claims } = counted(3);
    await reg(engine, a);
    const list = msgs(8, b, a);
    for (const m of list) await engine.enqueue([a], m);
    const pushed: Message[][] = [];
    const pump = pumpFor(engine, 3, pushed);
    pump.start();
    await settle();
    expect(claims).toEqual([{ n: 3, remaining: 5 }]);
    // The plugin acks each push as it arrives, as the real one does.
    for (let round = 0; round < 10 && pushed.flat().length < list.length; round++) {
      const last = pushed.at(-1)!.map((m) => m.id);
      await engine.ack(a, last);
      pump.acked(last);
      await settle();
    }
    expect(pushed.flat().map((m) => m.id)).toEqual(list.map((m) => m.id));
    expect(claims.every((c) => c.n > 0)).toBe(true);
    expect(claims.map((c) => c.remaining)).toEqual([5, 2, 0]);
    pump.stop();
  });

  it("a wake while a claim is out goes round once more, so a message enqueued meanwhile is not left behind", async () => {
    const { engine, claims } = counted(32);
    await reg(engine, a);
    const pushed: Message[][] = [];
    const pump = pumpFor(engine, 32, pushed);
    pump.start();
    const [late] = msgs(1, b, a);
    await engine.enqueue([a], late!);
    pump.wake();
    await settle();
    expect(pushed.flat().map((m) => m.id)).toEqual([late!.id]);
    expect(claims.length).toBeLessThanOrEqual(2);
    pump.stop();
  });
});

describe("instrumentEngine", () => {
  it("wraps each method once and counts store outages", async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { queueDepth: async () => ({ total: 0, max: 0 }) });
    const inner = createMemoryEngine();
    const engine = instrumentEngine(inner, metrics);
    expect(engine.enqueue).toBe(engine.enqueue);
    expect(engine.kind).toBe("memory");
    await reg(engine, a);
    engine.countMessage("task");
    expect(await engine.messagesToday()).toEqual({ task: 1 });
    const failing = instrumentEngine(
      {
        ...inner,
        listTopics: async () => {
          throw new Cc2ccError("ENGINE_UNAVAILABLE", "down");
        },
      },
      metrics,
    );
    await expect(failing.listTopics()).rejects.toMatchObject({ code: "ENGINE_UNAVAILABLE" });
    const text = await registry.metrics();
    expect(text).toMatch(/cc2cc_engine_errors_total 1/);
    expect(text).toMatch(/operation="register"/);
  });
});

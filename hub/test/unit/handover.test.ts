import { Cc2ccError, type Message } from "@cc2cc/shared";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DeliveryPump } from "../../src/core/delivery-pump.js";
import type { Fanout } from "../../src/core/fanout.js";
import { Messaging } from "../../src/core/messaging.js";
import type { Engine } from "../../src/engine/engine.js";
import { createMemoryEngine } from "../../src/engine/memory-engine.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { iid, reg } from "../engine/contract-helpers.js";

const a = iid("alice");
const b = iid("bob");
const conn = `conn-${a}`;

/**
 * One sender (b) and one recipient (a) whose pump lives on this "replica": a real memory
 * engine with its claims counted, the real Messaging, and a fanout that only records wakes.
 */
async function rig(window: number) {
  const inner = createMemoryEngine({ inflightWindow: window });
  let claims = 0;
  const outage = { on: false };
  const engine: Engine = {
    ...inner,
    enqueue: (to, m, o) =>
      outage.on
        ? Promise.reject(new Cc2ccError("ENGINE_UNAVAILABLE", "store down (test)"))
        : inner.enqueue(to, m, o),
    claim: (id, c, max) => {
      claims++;
      return inner.claim(id, c, max);
    },
  };
  await reg(engine, a);
  await reg(engine, b);
  const metrics = createMetrics(new Registry(), { queueDepth: async () => ({ total: 0, max: 0 }) });
  const logger = createLogger({ level: "silent", replica: "test" });
  const pushed: string[] = [];
  const pump = new DeliveryPump(
    a,
    conn,
    (m) => pushed.push(...m.map((x) => x.content)),
    () => {},
    {
      engine,
      metrics,
      logger,
      batch: window,
    },
  );
  const wakes: string[] = [];
  const fanout: Fanout = {
    wake: (ids) => {
      wakes.push(...ids);
      for (const id of ids) if (id === a) pump.wake();
    },
    live: () => {},
    event: () => {},
    ping: async () => false,
    dropTopic: () => {},
  };
  const config = {
    maxContentBytes: 65_536,
    broadcastIntervalMs: 1000,
    replica: "r1", // the replica reg() registers on: the recipient is held here
    maxHops: 20,
    pairRatePerMinute: 1_000_000,
  };
  const messaging = new Messaging({
    engine,
    fanout,
    metrics,
    logger,
    config,
    localPump: (id) => (id === a ? pump : undefined),
  });
  const send = (content: string) => messaging.send(b, { to: a, type: "task", content });
  const ackAll = async (list: readonly Message[]) => {
    await engine.ack(
      a,
      list.map((m) => m.id),
    );
    pump.acked(list.map((m) => m.id));
  };
  return { engine, pump, pushed, wakes, send, ackAll, outage, claims: () => claims };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("hand-over from the sender's enqueue to an idle local pump", () => {
  it("delivers each message without a wake-up or a claim while the recipient keeps up", async () => {
    const r = await rig(32);
    r.pump.start();
    await settle();
    const before = r.claims();
    for (let i = 0; i < 50; i++) {
      const { message } = await r.send(`m${i}`);
      await r.ackAll([message]);
    }
    await settle();
    expect(r.pushed).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(r.claims() - before).toBe(0);
    expect(r.wakes).toEqual([]);
    r.pump.stop();
  });

  it("concurrent sends keep the sender's order; past the window they queue and a claim follows the ack", async () => {
    const r = await rig(4);
    r.pump.start();
    await settle();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => r.send(`m${i}`)));
    await settle();
    // Four fill the window by hand-over; the other six wait and wake the pump, which is blocked.
    expect(r.pushed).toEqual(["m0", "m1", "m2", "m3"]);
    expect(r.wakes.length).toBe(6);
    await r.ackAll(results.slice(0, 4).map((x) => x.message));
    await settle();
    expect(r.pushed).toEqual(results.slice(0, 8).map((x) => x.message.content));
    await r.ackAll(results.slice(4, 8).map((x) => x.message));
    await settle();
    expect(r.pushed).toEqual(results.map((x) => x.message.content));
    r.pump.stop();
  });

  it("a pump not yet started (before welcome) offers nothing: the message waits for the start", async () => {
    const r = await rig(8);
    await r.send("early");
    expect(r.pushed).toEqual([]);
    expect(r.wakes).toEqual([a]);
    r.pump.start();
    await settle();
    expect(r.pushed).toEqual(["early"]);
    r.pump.stop();
  });

  it("a wake while an offer is out waits for it, then claims what came meanwhile, in order", async () => {
    const r = await rig(8);
    r.pump.start();
    await settle();
    const connId = r.pump.offer();
    expect(connId).toBe(conn);
    // Another replica queued a message and woke this pump while the offer was out.
    const queued = await r.engine.enqueue([a], {
      id: "0190a1b2-0000-7000-8000-0000000000aa",
      from: b,
      to: a,
      type: "task",
      content: "from elsewhere",
      timestamp: new Date().toISOString(),
    });
    expect(queued.queued).toEqual([a]);
    r.pump.wake();
    await settle();
    expect(r.pushed).toEqual([]);
    expect(r.pump.offer()).toBe(conn); // still idle: a second sender may offer too
    r.pump.settle(undefined);
    r.pump.settle(undefined);
    await settle();
    expect(r.pushed).toEqual(["from elsewhere"]);
    r.pump.stop();
  });

  it("an enqueue that fails settles the offer, so the pump claims again afterwards", async () => {
    const r = await rig(8);
    r.pump.start();
    await settle();
    r.outage.on = true;
    await expect(r.send("lost")).rejects.toMatchObject({ code: "ENGINE_UNAVAILABLE" });
    r.outage.on = false;
    // Had the failed offer stayed open, this wake would wait for it forever.
    const { message } = await r.send("after");
    await settle();
    expect(r.pushed).toEqual(["after"]);
    await r.ackAll([message]);
    await r.engine.enqueue([a], {
      ...message,
      id: "0190a1b2-0000-7000-8000-0000000000bb",
      content: "queued",
    });
    r.pump.wake();
    await settle();
    expect(r.pushed).toEqual(["after", "queued"]);
    r.pump.stop();
  });
});

import type { Message } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine.js";
import { claimed, type EngineFactory, engineMaker, iid, msg, reg, sleep } from "./contract-helpers.js";

/** Every wake-up each replica's listener heard, in arrival order. */
function listen(engine: Engine, replicas: string[]) {
  const heard: Record<string, string[]> = {};
  const stops = replicas.map((r) => {
    heard[r] = [];
    return engine.onWake(r, (id) => {
      heard[r]!.push(id);
    });
  });
  return {
    heard,
    stop: () => {
      for (const s of stops) s();
    },
  };
}

/** Pub/sub is asynchronous: give a wake-up time to arrive (or to show it never does). */
const settle = () => sleep(150);

export function wakeContract(factory: EngineFactory): void {
  describe("wake-ups addressed to the holder's replica", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;
    const send = (engine: Engine, m: Message, replica?: string) =>
      engine.enqueue([a], m, replica === undefined ? {} : { replica });

    it("the first message into an empty queue wakes only the holder's replica, once", async () => {
      const engine = await make();
      await reg(engine, a, { replica: "r2" });
      const { heard, stop } = listen(engine, ["r1", "r2", "r3"]);
      // Let the subscriptions reach the server before anything is published.
      await settle();
      expect(await send(engine, msg(b, a), "r1")).toEqual({ queued: [a], refused: [], notified: [a] });
      // Pending already: the claim that first wake-up brings finds this one too.
      expect(await send(engine, msg(b, a), "r3")).toEqual({ queued: [a], refused: [], notified: [a] });
      await settle();
      expect(heard).toEqual({ r1: [], r2: [a], r3: [] });
      expect(await claimed(engine, a, conn, 10)).toHaveLength(2);
      // The queue is empty again: the next message wakes again.
      await send(engine, msg(b, a), "r1");
      await settle();
      expect(heard.r2).toEqual([a, a]);
      stop();
    });

    it("on the holder's own replica, or without a replica, the caller wakes: nothing is published", async () => {
      const engine = await make();
      await reg(engine, a, { replica: "r2" });
      const { heard, stop } = listen(engine, ["r2"]);
      await settle();
      expect(await send(engine, msg(b, a), "r2")).toEqual({ queued: [a], refused: [] });
      await claimed(engine, a, conn, 10);
      expect(await send(engine, msg(b, a))).toEqual({ queued: [a], refused: [] });
      await settle();
      expect(heard.r2).toEqual([]);
      stop();
    });

    it("nobody holds an offline instance: queued, nothing to wake, no publish", async () => {
      const engine = await make();
      await reg(engine, a, { replica: "r2" });
      expect(await engine.disconnect(a, conn)).toBe(true);
      const { heard, stop } = listen(engine, ["r2"]);
      await settle();
      expect(await send(engine, msg(b, a), "r1")).toEqual({ queued: [a], refused: [], notified: [a] });
      await settle();
      expect(heard.r2).toEqual([]);
      expect((await engine.peek(a, 10)).pending).toHaveLength(1);
      stop();
    });

    it("after the unsubscribe a replica hears nothing; another listener keeps hearing", async () => {
      const engine = await make();
      await reg(engine, a, { replica: "r2" });
      const first = listen(engine, ["r2"]);
      const second = listen(engine, ["r2"]);
      await settle();
      first.stop();
      await send(engine, msg(b, a), "r1");
      await settle();
      expect(first.heard.r2).toEqual([]);
      expect(second.heard.r2).toEqual([a]);
      second.stop();
    });
  });
}

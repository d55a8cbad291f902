import type { Message } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine.js";
import {
  claimed,
  type EngineFactory,
  engineMaker,
  fill,
  ids,
  iid,
  msg,
  msgs,
  reg,
} from "./contract-helpers.js";

/** Enqueue to `to` with its connection `connId` offering to take the message now. */
function offered(engine: Engine, to: string, m: Message, connId: string) {
  return engine.enqueue([to], m, { handover: new Map([[to, connId]]) });
}

export function handoverContract(factory: EngineFactory): void {
  describe("hand-over (a claim folded into the enqueue)", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;

    it("goes straight to processing for the holder with nothing pending, as a claim would", async () => {
      const engine = await make({ maxDeliveries: 2 });
      await reg(engine, a);
      const m = msg(b, a, { hops: 2 });
      expect(await offered(engine, a, m, conn)).toEqual({ queued: [a], refused: [], handedOver: [a] });
      expect(await engine.peek(a, 10)).toEqual({ pending: [], processing: [m] });
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      // The hand-over counted one delivery: one more hand-out reaches maxDeliveries = 2.
      expect(await engine.requeue(a)).toBe(1);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m.id]);
      expect(await engine.requeue(a)).toBe(1);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect((await engine.deadLetters(a, 10)).map((d) => [d.message.id, d.reason, d.deliveries])).toEqual([
        [m.id, "max_deliveries", 2],
      ]);
    });

    it("an acked hand-over leaves nothing behind and its receipt reads acknowledged", async () => {
      const engine = await make();
      await reg(engine, a);
      const m = msg(b, a);
      await offered(engine, a, m, conn);
      expect(await engine.ack(a, [m.id])).toBe(1);
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      const status = await engine.getMessageStatus(m.id);
      expect(status?.recipients.map((r) => [r.instanceId, r.state])).toEqual([[a, "acknowledged"]]);
    });

    it("is refused while anything is pending, so the queue stays first in first out", async () => {
      const engine = await make();
      await reg(engine, a);
      const [m1, m2] = msgs(2, b, a) as [Message, Message];
      await fill(engine, a, [m1]);
      expect(await offered(engine, a, m2, conn)).toEqual({ queued: [a], refused: [] });
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m1.id, m2.id]);
    });

    it("is refused for a connection that is not the holder, and for an offline instance", async () => {
      const engine = await make();
      await reg(engine, a);
      const [m1, m2] = msgs(2, b, a) as [Message, Message];
      expect(await offered(engine, a, m1, "stale-conn")).toEqual({ queued: [a], refused: [] });
      expect(await engine.disconnect(a, conn)).toBe(true);
      expect(await offered(engine, a, m2, conn)).toEqual({ queued: [a], refused: [] });
      expect(await engine.peek(a, 10)).toEqual({ pending: [m1, m2], processing: [] });
    });

    it("stops at the in-flight window; an ack makes room again", async () => {
      const engine = await make({ inflightWindow: 2 });
      await reg(engine, a);
      const [m1, m2, m3, m4] = msgs(4, b, a) as [Message, Message, Message, Message];
      expect((await offered(engine, a, m1, conn)).handedOver).toEqual([a]);
      expect((await offered(engine, a, m2, conn)).handedOver).toEqual([a]);
      expect((await offered(engine, a, m3, conn)).handedOver).toBeUndefined();
      expect(await engine.ack(a, [m1.id])).toBe(1);
      // m3 waits in the queue: m4 must not pass it.
      expect((await offered(engine, a, m4, conn)).handedOver).toBeUndefined();
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m3.id]);
    });

    it("a retried id is answered without a second copy or a second hand-over", async () => {
      const engine = await make();
      await reg(engine, a);
      const m = msg(b, a);
      expect((await offered(engine, a, m, conn)).handedOver).toEqual([a]);
      expect(await offered(engine, a, m, conn)).toEqual({ queued: [a], refused: [] });
      expect(await engine.peek(a, 10)).toEqual({ pending: [], processing: [m] });
    });

    it("refusals come first: an offer never lets a message past the pair limit or the queue cap", async () => {
      const engine = await make({ queueMax: 2 });
      await reg(engine, a);
      const pairLimit = { perWindow: 1, windowMs: 60_000 };
      const [m1, m2, m3] = msgs(3, b, a) as [Message, Message, Message];
      const handover = new Map([[a, conn]]);
      expect((await engine.enqueue([a], m1, { pairLimit, handover })).handedOver).toEqual([a]);
      const limited = await engine.enqueue([a], m2, { pairLimit, handover });
      expect(limited.queued).toEqual([]);
      expect(limited.refused.map((r) => r.code)).toEqual(["RATE_LIMITED"]);
      await fill(engine, a, [m3]);
      const full = await engine.enqueue([a], msg(b, a), { handover });
      expect(full).toEqual({ queued: [], refused: [{ instanceId: a, code: "QUEUE_FULL" }] });
    });

    it("with several recipients only the offering one is handed its copy", async () => {
      const engine = await make();
      await reg(engine, a);
      await reg(engine, b);
      const m = msg(iid("carol"), "role:reviewer");
      const result = await engine.enqueue([a, b], m, { handover: new Map([[a, conn]]) });
      expect([...result.queued].sort()).toEqual([a, b].sort());
      expect(result.handedOver).toEqual([a]);
      expect((await engine.peek(a, 10)).processing).toEqual([m]);
      expect((await engine.peek(b, 10)).pending).toEqual([m]);
    });

    it("a connection that drops after the hand-over gets the message again on reconnect", async () => {
      const engine = await make();
      await reg(engine, a);
      const m = msg(b, a);
      await offered(engine, a, m, conn);
      expect(await engine.disconnect(a, conn)).toBe(true);
      await reg(engine, a, { connId: "conn-2" });
      expect(await claimed(engine, a, "conn-2", 10)).toEqual([m]);
    });
  });
}

import type { Message } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import type { DeadLetter, DeadLetterReason, Engine } from "../../src/engine/engine.js";
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
  sleep,
} from "./contract-helpers.js";

/** Claim, then requeue what was claimed: one failed delivery of each, as after a dropped socket. */
export async function failOnce(engine: Engine, id: string, conn: string, max = 100): Promise<string[]> {
  const got = ids(await claimed(engine, id, conn, max));
  await engine.requeue(id);
  return got;
}

/** A DeadLetter with exact fields; `deadAt` must lie between the two engine-clock bounds. */
export function letter(
  message: Message,
  reason: DeadLetterReason,
  deliveries: number,
  between: [number, number],
): DeadLetter {
  return {
    message,
    reason,
    deliveries,
    deadAt: expect.toSatisfy((t: number) => Number.isInteger(t) && t >= between[0] && t <= between[1]),
  };
}

export function deadLetterContract(factory: EngineFactory): void {
  describe("dead letters: poison and expired messages", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;

    it("a message handed out maxDeliveries times is moved aside on the next claim", async () => {
      const engine = await make({ maxDeliveries: 3 });
      await reg(engine, a);
      const [m1, m2] = msgs(2, b, a) as [Message, Message];
      await fill(engine, a, [m1, m2]);
      expect(await failOnce(engine, a, conn)).toEqual([m1.id, m2.id]);
      expect(await failOnce(engine, a, conn)).toEqual([m1.id, m2.id]);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m1.id, m2.id]);
      expect(await engine.ack(a, [m2.id])).toBe(1);
      await engine.requeue(a);
      const t0 = Date.now();
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      const t1 = Date.now();
      expect(await engine.deadLetters(a, 10)).toEqual([letter(m1, "max_deliveries", 3, [t0, t1])]);
      expect(await engine.deadLetterCount(a)).toBe(1);
      // Choice: dead letters are not part of queueStats, peek or queueDepth.
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      expect(await engine.peek(a, 10)).toEqual({ pending: [], processing: [] });
      expect((await engine.getInstance(a))?.queueDepth).toBe(0);
      expect(await engine.ack(a, [m1.id])).toBe(0);
    });

    it("a message enqueued longer than messageTtlMs ago expires by the engine clock, not its timestamp", async () => {
      const engine = await make({ messageTtlMs: 300 });
      await reg(engine, a);
      const ancient = msg(b, a, { timestamp: "2000-01-01T00:00:00.000Z" });
      const future = msg(b, a, { timestamp: "2100-01-01T00:00:00.000Z" });
      await fill(engine, a, [ancient, future]);
      expect(await failOnce(engine, a, conn, 1)).toEqual([ancient.id]);
      await sleep(400);
      const fresh = msg(b, a);
      await fill(engine, a, [fresh]);
      const t0 = Date.now();
      // The claim looks past the dead ones for live messages.
      expect(await claimed(engine, a, conn, 10)).toEqual([fresh]);
      const t1 = Date.now();
      expect(await engine.deadLetters(a, 10)).toEqual([
        letter(ancient, "expired", 1, [t0, t1]),
        letter(future, "expired", 0, [t0, t1]),
      ]);
      const [x, y] = await engine.deadLetters(a, 10);
      expect(x?.deadAt).toBe(y?.deadAt);
      expect(await engine.deadLetters(a, 1)).toEqual([letter(ancient, "expired", 1, [t0, t1])]);
      expect(await engine.deadLetters(a, 0)).toEqual([]);
    });

    it("expiry is checked before the delivery count", async () => {
      const engine = await make({ maxDeliveries: 1, messageTtlMs: 200 });
      await reg(engine, a);
      const m = msg(b, a);
      await fill(engine, a, [m]);
      expect(await failOnce(engine, a, conn)).toEqual([m.id]);
      await sleep(300);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect((await engine.deadLetters(a, 10)).map((d) => [d.reason, d.deliveries])).toEqual([
        ["expired", 1],
      ]);
    });

    it("a claim with no room in the window inspects nothing", async () => {
      const engine = await make({ inflightWindow: 1, messageTtlMs: 200 });
      await reg(engine, a);
      const [m1, m2] = msgs(2, b, a) as [Message, Message];
      await fill(engine, a, [m1, m2]);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m1.id]);
      await sleep(300);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect(await claimed(engine, a, conn, 0)).toEqual([]);
      expect(await engine.deadLetterCount(a)).toBe(0);
      expect(await engine.queueStats(a)).toMatchObject({ pending: 1, processing: 1 });
      expect(await engine.ack(a, [m1.id])).toBe(1);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect((await engine.deadLetters(a, 10)).map((d) => [d.message.id, d.reason])).toEqual([
        [m2.id, "expired"],
      ]);
    });

    it("an ack forgets the count: the same id enqueued again starts afresh", async () => {
      const engine = await make({ maxDeliveries: 1 });
      await reg(engine, a);
      const m = msg(b, a);
      await fill(engine, a, [m]);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m.id]);
      expect(await engine.ack(a, [m.id])).toBe(1);
      await fill(engine, a, [m]);
      expect(await claimed(engine, a, conn, 10)).toEqual([m]);
      expect(await engine.deadLetterCount(a)).toBe(0);
    });

    it("replay appends to pending with a fresh count, discard deletes; both false when not found", async () => {
      const engine = await make({ maxDeliveries: 1 });
      await reg(engine, a);
      const [m1, m2] = msgs(2, b, a) as [Message, Message];
      await fill(engine, a, [m1, m2]);
      expect(await failOnce(engine, a, conn, 1)).toEqual([m1.id]);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([m2.id]);
      const m3 = msg(b, a);
      await fill(engine, a, [m3]);
      expect(await engine.replayDeadLetter(a, m1.id)).toBe(true);
      expect(await engine.replayDeadLetter(a, m1.id)).toBe(false);
      expect(await engine.deadLetterCount(a)).toBe(0);
      expect(await engine.peek(a, 10)).toEqual({ pending: [m3, m1], processing: [m2] });
      expect(await claimed(engine, a, conn, 10)).toEqual([m3, m1]);
      await engine.requeue(a);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect((await engine.deadLetters(a, 10)).map((d) => d.message.id)).toEqual([m2.id, m3.id, m1.id]);
      expect(await engine.discardDeadLetter(a, m3.id)).toBe(true);
      expect(await engine.discardDeadLetter(a, m3.id)).toBe(false);
      expect((await engine.deadLetters(a, 10)).map((d) => d.message.id)).toEqual([m2.id, m1.id]);
      expect(await engine.deadLetterCount(a)).toBe(2);
      expect(await engine.replayDeadLetter(iid("nobody"), m2.id)).toBe(false);
      expect(await engine.discardDeadLetter(iid("nobody"), m2.id)).toBe(false);
      expect(await engine.deadLetters(iid("nobody"), 10)).toEqual([]);
      expect(await engine.deadLetterCount(iid("nobody"))).toBe(0);
    });

    it("dead letters count nothing toward queueMax; replay ignores queueMax and needs no holder", async () => {
      const engine = await make({ queueMax: 1, maxDeliveries: 1 });
      await reg(engine, a);
      const [m1, m2, m3] = msgs(3, b, a) as [Message, Message, Message];
      await fill(engine, a, [m1]);
      expect(await failOnce(engine, a, conn)).toEqual([m1.id]);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      await fill(engine, a, [m2]);
      await engine.disconnect(a, conn);
      expect(await engine.replayDeadLetter(a, m1.id)).toBe(true);
      expect(await engine.queueStats(a)).toMatchObject({ pending: 2, processing: 0 });
      expect(await engine.enqueue([a], m3)).toEqual({
        queued: [],
        refused: [{ instanceId: a, code: "QUEUE_FULL" }],
      });
      await reg(engine, a, { connId: "c2" });
      expect(await claimed(engine, a, "c2", 10)).toEqual([m2, m1]);
    });

    it("replaying an expired letter gives it a whole messageTtlMs again", async () => {
      const engine = await make({ messageTtlMs: 200 });
      await reg(engine, a);
      const m = msg(b, a);
      await fill(engine, a, [m]);
      await sleep(300);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect((await engine.deadLetters(a, 10)).map((d) => [d.reason, d.deliveries])).toEqual([
        ["expired", 0],
      ]);
      expect(await engine.replayDeadLetter(a, m.id)).toBe(true);
      expect(await claimed(engine, a, conn, 10)).toEqual([m]);
    });

    it("replay of an id that is pending again (a retried enqueue) only drops the letter", async () => {
      const engine = await make({ maxDeliveries: 1 });
      await reg(engine, a);
      const m = msg(b, a);
      await fill(engine, a, [m]);
      expect(await failOnce(engine, a, conn)).toEqual([m.id]);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      await fill(engine, a, [m]);
      expect(await engine.replayDeadLetter(a, m.id)).toBe(true);
      expect(await engine.deadLetterCount(a)).toBe(0);
      expect(await engine.peek(a, 10)).toEqual({ pending: [m], processing: [] });
    });
  });
}

import { describe, expect, it } from "vitest";
import {
  claimed,
  type EngineFactory,
  engineMaker,
  expectCode,
  fill,
  ids,
  iid,
  msg,
  msgs,
  reg,
} from "./contract-helpers.js";

export function queueContract(factory: EngineFactory): void {
  describe("queues", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;

    it("stores every field of a message exactly", async () => {
      const engine = await make();
      await reg(engine, a);
      const m = msg(b, "role:reviewer", {
        type: "question",
        replyTo: "0190a1b2-0000-7000-8000-000000000001",
        topic: "builds",
        metadata: { priority: 2, urgent: true, label: "x", none: null },
        hops: 3,
        content: "multi-byte ✓ content\nwith lines",
      });
      await fill(engine, a, [m]);
      expect(await claimed(engine, a, conn, 1)).toEqual([m]);
    });

    it("claims oldest first across many messages and batches", async () => {
      const engine = await make({ inflightWindow: 8 });
      await reg(engine, a);
      const list = msgs(60, b, a);
      await fill(engine, a, list);
      const seen: string[] = [];
      for (;;) {
        const batch = await claimed(engine, a, conn, 7);
        if (batch.length === 0) break;
        expect(batch.length).toBeLessThanOrEqual(7);
        seen.push(...ids(batch));
        expect(await engine.ack(a, ids(batch))).toBe(batch.length);
      }
      expect(seen).toEqual(ids(list));
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
    });

    it("claim by a connection that is not the holder throws NOT_HOLDER and moves nothing", async () => {
      const engine = await make();
      await reg(engine, a);
      await fill(engine, a, msgs(3, b, a));
      await expectCode(engine.claim(a, "someone-else", 10), "NOT_HOLDER");
      expect(await engine.queueStats(a)).toMatchObject({ pending: 3, processing: 0 });
      // Choice: an instance nobody ever registered has no holder either.
      await expectCode(engine.claim(iid("nobody"), conn, 10), "NOT_HOLDER");
    });

    it("claim never lets processing exceed inflightWindow and honours max", async () => {
      const engine = await make({ inflightWindow: 3 });
      await reg(engine, a);
      const list = msgs(6, b, a);
      await fill(engine, a, list);
      expect(ids(await claimed(engine, a, conn, 2))).toEqual(ids(list.slice(0, 2)));
      expect(ids(await claimed(engine, a, conn, 10))).toEqual(ids(list.slice(2, 3)));
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect(await engine.queueStats(a)).toMatchObject({ pending: 3, processing: 3 });
      expect(await engine.ack(a, [list[1]!.id])).toBe(1);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual(ids(list.slice(3, 4)));
      expect(await claimed(engine, a, conn, 0)).toEqual([]);
    });

    it("ack removes by id, ignores unknown ids, and returns the count", async () => {
      const engine = await make();
      await reg(engine, a);
      const list = msgs(4, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 3);
      expect(await engine.ack(a, [list[0]!.id, "not-a-message", list[2]!.id])).toBe(2);
      expect(await engine.ack(a, [list[0]!.id])).toBe(0);
      expect(await engine.ack(a, [])).toBe(0);
      expect(await engine.ack(iid("nobody"), [list[1]!.id])).toBe(0);
      const peek = await engine.peek(a, 10);
      expect(ids(peek.processing)).toEqual([list[1]!.id]);
      expect(ids(peek.pending)).toEqual([list[3]!.id]);
    });

    it("an ack that arrives after a requeue removes the message so it is never claimed again", async () => {
      const engine = await make();
      await reg(engine, a);
      const list = msgs(3, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 2);
      expect(await engine.requeue(a)).toBe(2);
      expect(await engine.ack(a, [list[0]!.id])).toBe(1);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([list[1]!.id, list[2]!.id]);
      expect(await engine.ack(a, [list[1]!.id, list[2]!.id])).toBe(2);
      expect(await engine.requeue(a)).toBe(0);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
    });

    it("requeue puts unacknowledged messages back in front of pending, in order", async () => {
      const engine = await make();
      await reg(engine, a);
      const list = msgs(6, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 4);
      await engine.ack(a, [list[1]!.id]);
      expect(await engine.requeue(a)).toBe(3);
      const peek = await engine.peek(a, 10);
      expect(ids(peek.pending)).toEqual(ids([list[0]!, list[2]!, list[3]!, list[4]!, list[5]!]));
      expect(peek.processing).toEqual([]);
      const late = msg(b, a);
      await fill(engine, a, [late]);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([...ids(peek.pending), late.id]);
    });

    it("refuses UNKNOWN_RECIPIENT for a never-registered id and keeps no queue for it", async () => {
      const engine = await make();
      const ghost = iid("ghost");
      expect(await engine.enqueue([ghost], msg(b, ghost))).toEqual({
        queued: [],
        refused: [{ instanceId: ghost, code: "UNKNOWN_RECIPIENT" }],
      });
      // Choice: queueStats of an unknown id answers zeros rather than throwing.
      expect(await engine.queueStats(ghost)).toEqual({
        instanceId: ghost,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      expect(await engine.peek(ghost, 10)).toEqual({ pending: [], processing: [] });
      expect(await engine.listInstances()).toEqual([]);
      expect(await engine.getInstance(ghost)).toBeNull();
    });

    it("queues for several recipients independently and reports both sides", async () => {
      const engine = await make({ queueMax: 1 });
      const c = iid("carol");
      await reg(engine, a);
      await reg(engine, c);
      await fill(engine, c, [msg(b, c)]);
      const m = msg(b, "role:any");
      expect(await engine.enqueue([a, iid("ghost"), c], m)).toEqual({
        queued: [a],
        refused: [
          { instanceId: iid("ghost"), code: "UNKNOWN_RECIPIENT" },
          { instanceId: c, code: "QUEUE_FULL" },
        ],
      });
      expect(ids((await engine.peek(a, 10)).pending)).toEqual([m.id]);
      expect(await engine.queueStats(c)).toMatchObject({ pending: 1 });
    });

    it("QUEUE_FULL counts pending plus processing and frees up on ack", async () => {
      const engine = await make({ queueMax: 3 });
      await reg(engine, a);
      const list = msgs(3, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 2);
      const extra = msg(b, a);
      expect(await engine.enqueue([a], extra)).toEqual({
        queued: [],
        refused: [{ instanceId: a, code: "QUEUE_FULL" }],
      });
      expect(await engine.queueStats(a)).toMatchObject({ pending: 1, processing: 2 });
      await engine.ack(a, [list[0]!.id]);
      expect(await engine.enqueue([a], extra)).toEqual({ queued: [a], refused: [] });
      expect(ids((await engine.peek(a, 10)).pending)).toEqual([list[2]!.id, extra.id]);
    });

    it("queues for an offline instance and drains it in order after reconnect", async () => {
      const engine = await make();
      await reg(engine, a, { connId: "c1" });
      await engine.disconnect(a, "c1");
      const list = msgs(3, b, a);
      await fill(engine, a, list);
      expect((await engine.getInstance(a))?.queueDepth).toBe(3);
      await reg(engine, a, { connId: "c2" });
      expect(ids(await claimed(engine, a, "c2", 10))).toEqual(ids(list));
    });
  });
}

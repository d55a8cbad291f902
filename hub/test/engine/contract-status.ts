import { describe, expect, it } from "vitest";
import { claimed, type EngineFactory, engineMaker, ISO, iid, msg, reg, sleep } from "./contract-helpers.js";

export function statusContract(factory: EngineFactory): void {
  describe("message status from the queue, hops and replies", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const c = iid("carol");
    const d = iid("dave");
    const states = async (engine: Awaited<ReturnType<typeof make>>, id: string) =>
      (await engine.getMessageStatus(id))?.recipients.map((r) => [r.instanceId, r.state]);

    it("enqueue records who a message went to, each recipient queued", async () => {
      const engine = await make();
      for (const id of [b, c]) await reg(engine, id);
      const m = msg(a, "role:reviewer");
      expect(await engine.getMessageStatus(m.id)).toBeNull();
      await engine.enqueue([b, c, iid("ghost")], m);
      // Choice: acceptedAt is the message's timestamp, stamped by the hub on acceptance.
      expect(await engine.getMessageStatus(m.id)).toEqual({
        messageId: m.id,
        from: a,
        to: "role:reviewer",
        acceptedAt: m.timestamp,
        recipients: [
          { instanceId: b, state: "queued", at: expect.stringMatching(ISO) },
          { instanceId: c, state: "queued", at: expect.stringMatching(ISO) },
        ],
      });
      // Refused everywhere: nothing to follow.
      const lost = msg(a, iid("ghost"));
      await engine.enqueue([iid("ghost")], lost);
      expect(await engine.getMessageStatus(lost.id)).toBeNull();
    });

    it("states follow the queue: handed out is delivered, an ack acknowledged, a reply replied", async () => {
      const engine = await make();
      for (const id of [b, c, d]) await reg(engine, id);
      const m = msg(a, "role:reviewer");
      await engine.enqueue([b, c, d], m);
      expect(await claimed(engine, b, `conn-${b}`, 10)).toEqual([m]);
      expect(await claimed(engine, c, `conn-${c}`, 10)).toEqual([m]);
      expect(await states(engine, m.id)).toEqual([
        [b, "delivered"],
        [c, "delivered"],
        [d, "queued"],
      ]);
      // Handed out and put back (a dropped socket) is still delivered: states never go back.
      await engine.requeue(b);
      await engine.ack(c, [m.id]);
      expect(await states(engine, m.id)).toEqual([
        [b, "delivered"],
        [c, "acknowledged"],
        [d, "queued"],
      ]);
      await engine.markReplied(m.id, c, "reply-1");
      await engine.markReplied(m.id, c, "reply-2");
      await engine.markReplied(m.id, d, "reply-d");
      // Only recipients have a state to change; the sender replying changes nothing.
      await engine.markReplied(m.id, a, "reply-a");
      const recipients = (await engine.getMessageStatus(m.id))?.recipients ?? [];
      expect(recipients).toEqual([
        { instanceId: b, state: "delivered", at: expect.stringMatching(ISO) },
        { instanceId: c, state: "replied", at: expect.stringMatching(ISO), replyId: "reply-1" },
        { instanceId: d, state: "replied", at: expect.stringMatching(ISO), replyId: "reply-d" },
      ]);
      // A reply before the ack stays a reply after it.
      await engine.ack(d, [m.id]);
      expect((await states(engine, m.id))?.[2]).toEqual([d, "replied"]);
      await engine.markReplied("unknown-message", b, "x");
      expect(await engine.getMessageStatus("unknown-message")).toBeNull();
    });

    it("a message that left without an ack keeps its last state known", async () => {
      const engine = await make({ maxDeliveries: 1 });
      for (const id of [b, c]) await reg(engine, id);
      const m = msg(a, "role:reviewer");
      await engine.enqueue([b, c], m);
      await claimed(engine, b, `conn-${b}`, 10);
      await engine.requeue(b);
      // The second claim dead-letters it (one delivery allowed): it had been delivered.
      expect(await claimed(engine, b, `conn-${b}`, 10)).toEqual([]);
      await engine.flush(c);
      expect(await states(engine, m.id)).toEqual([
        [b, "delivered"],
        [c, "queued"],
      ]);
    });

    it("message status expires after statusTtlMs", async () => {
      const engine = await make({ statusTtlMs: 150 });
      await reg(engine, b);
      const m = msg(a, b);
      await engine.enqueue([b], m);
      expect((await engine.getMessageStatus(m.id))?.messageId).toBe(m.id);
      await sleep(300);
      expect(await engine.getMessageStatus(m.id)).toBeNull();
    });

    it("getHops answers the recipient's record of the hops, after the ack too, until statusTtlMs", async () => {
      const engine = await make({ statusTtlMs: 200 });
      for (const id of [b, c]) await reg(engine, id);
      const chained = msg(a, b, { hops: 7 });
      const first = msg(a, b);
      expect(await engine.getHops(chained.id, b)).toBeNull();
      await engine.enqueue([b], chained);
      await engine.enqueue([b], first);
      expect(await engine.getHops(chained.id, b)).toBe(7);
      expect(await engine.getHops(first.id, b)).toBe(0);
      // Only a recipient holds the record: anyone else replying starts a fresh chain.
      expect(await engine.getHops(chained.id, c)).toBeNull();
      expect(await engine.getHops("never-sent", b)).toBeNull();
      await claimed(engine, b, `conn-${b}`, 10);
      await engine.ack(b, [chained.id]);
      await engine.markReplied(chained.id, b, first.id);
      expect(await engine.getHops(chained.id, b)).toBe(7);
      await sleep(400);
      expect(await engine.getHops(chained.id, b)).toBeNull();
      expect(await engine.getHops(first.id, b)).toBeNull();
    });
  });
}

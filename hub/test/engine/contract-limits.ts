import { describe, expect, it } from "vitest";
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

export function limitsContract(factory: EngineFactory): void {
  describe("rate limits, the pair limit, claim's remainder and counters", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const c = iid("carol");

    it("rateLimit allows limit hits per window, then refuses until the window ends", async () => {
      const engine = await make();
      expect(await engine.rateLimit("broadcast:a", 2, 300)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await engine.rateLimit("broadcast:a", 2, 300)).toEqual({ allowed: true, retryAfterMs: 0 });
      const refused = await engine.rateLimit("broadcast:a", 2, 300);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
      // Another key has its own window.
      expect((await engine.rateLimit("broadcast:b", 2, 300)).allowed).toBe(true);
      await sleep(refused.retryAfterMs + 50);
      expect(await engine.rateLimit("broadcast:a", 2, 300)).toEqual({ allowed: true, retryAfterMs: 0 });
    });

    it("enqueue holds a sender to the pair limit per recipient, counted with the enqueue", async () => {
      const engine = await make();
      for (const id of [a, b, c]) await reg(engine, id);
      const pairLimit = { perWindow: 2, windowMs: 400 };
      const [m1, m2, m3] = msgs(3, a, b);
      expect(await engine.enqueue([b], m1!, { pairLimit })).toEqual({ queued: [b], refused: [] });
      // A retry of a message the recipient holds is answered, not counted again.
      expect(await engine.enqueue([b], m1!, { pairLimit })).toEqual({ queued: [b], refused: [] });
      expect(await engine.enqueue([b], m2!, { pairLimit })).toEqual({ queued: [b], refused: [] });
      const refused = await engine.enqueue([b, c], m3!, { pairLimit });
      expect(refused.queued).toEqual([c]);
      expect(refused.refused).toEqual([
        {
          instanceId: b,
          code: "RATE_LIMITED",
          retryAfterMs: expect.toSatisfy((ms: number) => ms > 0 && ms <= 400),
        },
      ]);
      // Nothing was stored for the refused recipient, and its status does not list it.
      expect(ids((await engine.peek(b, 10)).pending)).toEqual(ids([m1!, m2!]));
      expect((await engine.getMessageStatus(m3!.id))?.recipients.map((r) => r.instanceId)).toEqual([c]);
      // Another sender to the same recipient, and an enqueue without a limit, are not held back.
      expect((await engine.enqueue([b], msg(c, b), { pairLimit })).queued).toEqual([b]);
      expect((await engine.enqueue([b], msg(a, b))).queued).toEqual([b]);
      // Unknown recipients are refused as such, whatever the limit.
      const ghost = iid("ghost");
      expect((await engine.enqueue([ghost], msg(a, ghost), { pairLimit })).refused).toEqual([
        { instanceId: ghost, code: "UNKNOWN_RECIPIENT" },
      ]);
      await sleep(450);
      expect((await engine.enqueue([b], msg(a, b), { pairLimit })).queued).toEqual([b]);
    });

    it("claim says how many stay pending and how much room the window has", async () => {
      const engine = await make({ inflightWindow: 3 });
      await reg(engine, a);
      const conn = `conn-${a}`;
      expect(await engine.claim(a, conn, 10)).toEqual({ messages: [], remaining: 0, room: 3 });
      const list = msgs(5, b, a);
      await fill(engine, a, list);
      let r = await engine.claim(a, conn, 2);
      expect([ids(r.messages), r.remaining, r.room]).toEqual([ids(list.slice(0, 2)), 3, 1]);
      r = await engine.claim(a, conn, 10);
      expect([ids(r.messages), r.remaining, r.room]).toEqual([ids(list.slice(2, 3)), 2, 0]);
      expect(await engine.claim(a, conn, 10)).toEqual({ messages: [], remaining: 2, room: 0 });
      await engine.ack(a, ids(list.slice(0, 1)));
      r = await engine.claim(a, conn, 10);
      expect([ids(r.messages), r.remaining, r.room]).toEqual([ids(list.slice(3, 4)), 1, 0]);
      await engine.ack(a, ids(list.slice(1, 4)));
      r = await engine.claim(a, conn, 10);
      expect([ids(r.messages), r.remaining, r.room]).toEqual([ids(list.slice(4)), 0, 2]);
      expect(ids(await claimed(engine, a, conn, 10))).toEqual([]);
    });

    it("countMessage is summed at once and close() keeps every count", async () => {
      const engine = await make();
      expect(await engine.messagesToday()).toEqual({});
      engine.countMessage("task");
      engine.countMessage("task");
      engine.countMessage("result");
      expect(await engine.messagesToday()).toEqual({ task: 2, result: 1 });
      await engine.close();
      expect(await engine.messagesToday()).toEqual({ task: 2, result: 1 });
    });
  });
}

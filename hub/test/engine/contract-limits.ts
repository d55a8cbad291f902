import type { Message } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { type EngineFactory, engineMaker, ISO, iid, msg, sleep } from "./contract-helpers.js";

export function limitsContract(factory: EngineFactory): void {
  describe("rate limits, message status and counters", () => {
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

    const sent = (): Message => msg(a, "role:reviewer");

    it("recordSent stores each recipient as queued", async () => {
      const engine = await make();
      const m = sent();
      expect(await engine.getMessageStatus(m.id)).toBeNull();
      await engine.recordSent(m, [b, c]);
      const status = await engine.getMessageStatus(m.id);
      // Choice: acceptedAt is the message's timestamp, stamped by the hub on acceptance.
      expect(status).toEqual({
        messageId: m.id,
        from: a,
        to: "role:reviewer",
        acceptedAt: m.timestamp,
        recipients: [
          { instanceId: b, state: "queued", at: expect.stringMatching(ISO) },
          { instanceId: c, state: "queued", at: expect.stringMatching(ISO) },
        ],
      });
    });

    it("markStatus only moves forward and keeps the first reply id", async () => {
      const engine = await make();
      const m = sent();
      await engine.recordSent(m, [b, c]);
      await engine.markStatus(m.id, b, "acknowledged");
      await engine.markStatus(m.id, b, "delivered");
      await engine.markStatus(m.id, c, "delivered");
      let recipients = (await engine.getMessageStatus(m.id))?.recipients ?? [];
      expect(recipients.map((r) => [r.instanceId, r.state])).toEqual([
        [b, "acknowledged"],
        [c, "delivered"],
      ]);
      await engine.markStatus(m.id, c, "replied", "reply-1");
      await engine.markStatus(m.id, c, "replied", "reply-2");
      await engine.markStatus(m.id, c, "acknowledged");
      recipients = (await engine.getMessageStatus(m.id))?.recipients ?? [];
      expect(recipients[1]).toEqual({
        instanceId: c,
        state: "replied",
        at: expect.stringMatching(ISO),
        replyId: "reply-1",
      });
      expect(recipients[0]).not.toHaveProperty("replyId");
      await engine.markStatus("unknown-message", b, "delivered");
      expect(await engine.getMessageStatus("unknown-message")).toBeNull();
    });

    it("message status expires after statusTtlMs", async () => {
      const engine = await make({ statusTtlMs: 150 });
      const m = sent();
      await engine.recordSent(m, [b]);
      expect((await engine.getMessageStatus(m.id))?.messageId).toBe(m.id);
      await sleep(300);
      expect(await engine.getMessageStatus(m.id)).toBeNull();
    });

    it("getHops answers the stored hops, 0 when the message had none, null without a record", async () => {
      const engine = await make({ statusTtlMs: 150 });
      const chained = msg(a, b, { hops: 7 });
      const first = msg(a, b);
      const zero = msg(a, b, { hops: 0 });
      expect(await engine.getHops(chained.id)).toBeNull();
      await engine.recordSent(chained, [b]);
      await engine.recordSent(first, [b]);
      await engine.recordSent(zero, []);
      expect(await engine.getHops(chained.id)).toBe(7);
      expect(await engine.getHops(first.id)).toBe(0);
      expect(await engine.getHops(zero.id)).toBe(0);
      expect(await engine.getHops("never-sent")).toBeNull();
      // Status updates leave the hops alone.
      await engine.markStatus(chained.id, b, "replied", first.id);
      expect(await engine.getHops(chained.id)).toBe(7);
      await sleep(300);
      expect(await engine.getHops(chained.id)).toBeNull();
      expect(await engine.getHops(first.id)).toBeNull();
    });

    it("countMessage adds to today's per-type counters", async () => {
      const engine = await make();
      expect(await engine.messagesToday()).toEqual({});
      await engine.countMessage("task");
      await engine.countMessage("task");
      await engine.countMessage("result");
      expect(await engine.messagesToday()).toEqual({ task: 2, result: 1 });
    });
  });
}

import { describe, expect, it } from "vitest";
import {
  claimed,
  type EngineFactory,
  engineMaker,
  fill,
  ids,
  iid,
  msgs,
  reg,
  sleep,
} from "./contract-helpers.js";

const NOTHING = { wentOffline: [], requeued: 0, removed: [], topicsExpired: [] };

export function reapContract(factory: EngineFactory): void {
  describe("reap", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;

    it("does nothing while everything is fresh", async () => {
      const engine = await make();
      await reg(engine, a);
      await engine.subscribe(a, "builds");
      await engine.createTopic("empty");
      expect(await engine.reap()).toEqual(NOTHING);
      expect((await engine.getInstance(a))?.online).toBe(true);
    });

    it("heartbeats keep presence alive past presenceTtlMs", async () => {
      const engine = await make({ presenceTtlMs: 200 });
      await reg(engine, a);
      for (let i = 0; i < 5; i++) {
        await sleep(80);
        expect(await engine.heartbeat([{ instanceId: a, connId: conn }])).toEqual([]);
      }
      expect(await engine.reap()).toEqual(NOTHING);
      expect((await engine.getInstance(a))?.online).toBe(true);
    });

    it("takes a held instance whose presence expired offline and requeues its processing", async () => {
      const engine = await make({ presenceTtlMs: 300 });
      await reg(engine, a, { replica: "dead-replica" });
      await reg(engine, b);
      const list = msgs(4, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 3);
      await sleep(200);
      expect(await engine.heartbeat([{ instanceId: b, connId: `conn-${b}` }])).toEqual([]);
      await sleep(200);
      // Two replicas reaping at once must not double-count or double-requeue.
      const [r1, r2] = await Promise.all([engine.reap(), engine.reap()]);
      expect([...r1.wentOffline, ...r2.wentOffline]).toEqual([a]);
      expect(r1.requeued + r2.requeued).toBe(3);
      expect(await engine.getInstance(a)).toMatchObject({
        online: false,
        replica: "dead-replica",
        queueDepth: 4,
        processing: 0,
      });
      expect(ids((await engine.peek(a, 10)).pending)).toEqual(ids(list));
      expect((await engine.getInstance(b))?.online).toBe(true);
      // The dead holder's replica, if it was only stalled, learns it lost the instance.
      expect(await engine.heartbeat([{ instanceId: a, connId: conn }])).toEqual([a]);
      expect(await engine.reap()).toEqual(NOTHING);
    });

    it("removes instances offline longer than queueTtlMs and drops them from subscriber sets", async () => {
      const engine = await make({ queueTtlMs: 200 });
      await reg(engine, a);
      await reg(engine, b);
      await engine.subscribe(a, "builds");
      await engine.subscribe(b, "builds");
      await fill(engine, a, msgs(2, b, a));
      await engine.disconnect(a, conn);
      await sleep(320);
      const res = await engine.reap();
      expect(res).toEqual({ ...NOTHING, removed: [a] });
      expect(await engine.getInstance(a)).toBeNull();
      expect(await engine.topicSubscribers("builds")).toEqual([b]);
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      expect((await engine.enqueue([a], msgs(1, b, a)[0]!)).refused).toEqual([
        { instanceId: a, code: "UNKNOWN_RECIPIENT" },
      ]);
      expect((await engine.getInstance(b))?.online).toBe(true);
    });

    it("a write to an offline queue postpones its expiry", async () => {
      const engine = await make({ queueTtlMs: 400 });
      await reg(engine, a);
      await engine.disconnect(a, conn);
      await sleep(250);
      await fill(engine, a, msgs(1, b, a));
      await sleep(250);
      expect((await engine.reap()).removed).toEqual([]);
      expect((await engine.getInstance(a))?.queueDepth).toBe(1);
      await sleep(250);
      expect((await engine.reap()).removed).toEqual([a]);
    });

    it("deletes topics empty for topicEmptyTtlMs unless kept", async () => {
      const engine = await make({ topicEmptyTtlMs: 200 });
      await reg(engine, a);
      await engine.subscribe(a, "busy");
      await engine.createTopic("idle");
      await engine.createTopic("kept", { keep: true });
      await sleep(300);
      expect(await engine.reap()).toEqual({ ...NOTHING, topicsExpired: ["idle"] });
      expect(await engine.topicSubscribers("idle")).toBeNull();
      // The empty clock starts when the last subscriber leaves.
      await engine.unsubscribe(a, "busy");
      expect(await engine.reap()).toEqual(NOTHING);
      await sleep(300);
      expect(await engine.reap()).toEqual({ ...NOTHING, topicsExpired: ["busy"] });
      expect((await engine.listTopics()).map((t) => t.name)).toEqual(["kept"]);
    });
  });
}

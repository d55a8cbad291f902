import { describe, expect, it } from "vitest";
import {
  claimed,
  type EngineFactory,
  engineMaker,
  expectCode,
  fill,
  ids,
  iid,
  msgs,
  reg,
} from "./contract-helpers.js";

export function inspectContract(factory: EngineFactory): void {
  describe("peek, flush, queueStats and removeInstance", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;

    it("peek returns up to limit pending and all processing without moving anything", async () => {
      const engine = await make();
      await reg(engine, a);
      const list = msgs(6, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 2);
      const first = await engine.peek(a, 3);
      expect(ids(first.pending)).toEqual(ids(list.slice(2, 5)));
      expect(first.processing).toEqual(list.slice(0, 2));
      expect(await engine.peek(a, 3)).toEqual(first);
      expect(ids((await engine.peek(a, 0)).pending)).toEqual([]);
      expect(await engine.queueStats(a)).toMatchObject({ pending: 4, processing: 2 });
    });

    it("queueStats reports counts and the timestamp of the oldest message", async () => {
      const engine = await make();
      await reg(engine, a);
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      const list = msgs(3, b, a);
      await fill(engine, a, list);
      await claimed(engine, a, conn, 1);
      // oldestAt is the message's own timestamp (the hub stamps it on acceptance).
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 2,
        processing: 1,
        oldestAt: list[0]!.timestamp,
      });
      await engine.ack(a, [list[0]!.id]);
      expect((await engine.queueStats(a)).oldestAt).toBe(list[1]!.timestamp);
      const info = await engine.getInstance(a);
      expect(info).toMatchObject({ queueDepth: 2, processing: 0 });
    });

    it("flush deletes pending and processing and returns the count", async () => {
      const engine = await make();
      await reg(engine, a);
      await fill(engine, a, msgs(5, b, a));
      await claimed(engine, a, conn, 2);
      expect(await engine.flush(a)).toBe(5);
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      expect(await engine.flush(a)).toBe(0);
      expect(await engine.requeue(a)).toBe(0);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      // The instance itself stays and can receive again.
      expect(await engine.enqueue([a], msgs(1, b, a)[0]!)).toEqual({ queued: [a], refused: [] });
    });

    it("removeInstance refuses CONFLICT while online and NOT_FOUND when unknown", async () => {
      const engine = await make();
      await reg(engine, a);
      await expectCode(engine.removeInstance(a), "CONFLICT");
      expect((await engine.getInstance(a))?.online).toBe(true);
      await expectCode(engine.removeInstance(iid("nobody")), "NOT_FOUND");
    });

    it("removeInstance deletes an offline instance with its queue and subscriptions", async () => {
      const engine = await make();
      await reg(engine, a);
      await reg(engine, b);
      await engine.subscribe(a, "builds");
      await engine.subscribe(b, "builds");
      await fill(engine, a, msgs(3, b, a));
      await claimed(engine, a, conn, 1);
      await engine.disconnect(a, conn);
      await engine.removeInstance(a);
      expect(await engine.getInstance(a)).toBeNull();
      expect((await engine.listInstances()).map((i) => i.instanceId)).toEqual([b]);
      expect(await engine.topicSubscribers("builds")).toEqual([b]);
      expect(await engine.instanceTopics(a)).toEqual([]);
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
      expect(await engine.enqueue([a], msgs(1, b, a)[0]!)).toEqual({
        queued: [],
        refused: [{ instanceId: a, code: "UNKNOWN_RECIPIENT" }],
      });
      await expectCode(engine.removeInstance(a), "NOT_FOUND");
      // The id is free again: registering it creates a fresh instance with an empty queue.
      const again = await reg(engine, a, { connId: "c2" });
      expect(again.created).toBe(true);
      expect(again.topics).toEqual([]);
      expect(again.instance).toMatchObject({ queueDepth: 0, processing: 0, role: null });
    });
  });
}

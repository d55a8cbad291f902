import { describe, expect, it } from "vitest";
import { type EngineFactory, engineMaker, expectCode, ISO, iid, reg, sorted } from "./contract-helpers.js";

export function topicContract(factory: EngineFactory): void {
  describe("topics", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");

    it("subscribe creates the topic once and listTopics counts subscribers", async () => {
      const engine = await make();
      await reg(engine, a);
      await reg(engine, b);
      expect(await engine.listTopics()).toEqual([]);
      expect(await engine.subscribe(a, "builds")).toEqual({ created: true });
      expect(await engine.subscribe(b, "builds")).toEqual({ created: false });
      expect(await engine.subscribe(b, "builds")).toEqual({ created: false });
      const topics = await engine.listTopics();
      expect(topics).toEqual([
        { name: "builds", subscribers: 2, keep: false, createdAt: expect.stringMatching(ISO) },
      ]);
      expect(sorted((await engine.topicSubscribers("builds")) ?? [])).toEqual(sorted([a, b]));
      expect(await engine.instanceTopics(a)).toEqual(["builds"]);
      expect((await reg(engine, a, { connId: "again" })).topics).toEqual(["builds"]);
    });

    it("subscribe throws NOT_FOUND for an unknown instance and creates nothing", async () => {
      const engine = await make();
      await expectCode(engine.subscribe(iid("ghost"), "builds"), "NOT_FOUND");
      expect(await engine.topicSubscribers("builds")).toBeNull();
      expect(await engine.listTopics()).toEqual([]);
    });

    it("unsubscribe removes the subscription but keeps the topic", async () => {
      const engine = await make();
      await reg(engine, a);
      await engine.subscribe(a, "builds");
      await engine.subscribe(a, "alerts");
      expect(await engine.unsubscribe(a, "builds")).toEqual({ removed: true });
      expect(await engine.unsubscribe(a, "builds")).toEqual({ removed: false });
      expect(await engine.unsubscribe(a, "never")).toEqual({ removed: false });
      expect(await engine.instanceTopics(a)).toEqual(["alerts"]);
      expect(await engine.topicSubscribers("builds")).toEqual([]);
      const byName = new Map((await engine.listTopics()).map((t) => [t.name, t.subscribers]));
      expect(Object.fromEntries(byName)).toEqual({ alerts: 1, builds: 0 });
    });

    it("createTopic is idempotent and updates keep only when given", async () => {
      const engine = await make();
      const first = await engine.createTopic("news");
      expect(first).toEqual({
        created: true,
        topic: { name: "news", subscribers: 0, keep: false, createdAt: expect.stringMatching(ISO) },
      });
      const kept = await engine.createTopic("news", { keep: true });
      expect(kept).toEqual({ created: false, topic: { ...first.topic, keep: true } });
      // Choice: omitting keep leaves the stored flag alone.
      expect((await engine.createTopic("news")).topic.keep).toBe(true);
      expect((await engine.createTopic("news", { keep: false })).topic.keep).toBe(false);
      await engine.createTopic("alpha", { keep: true });
      const list = [...(await engine.listTopics())].sort((x, y) => x.name.localeCompare(y.name));
      expect(list.map((t) => [t.name, t.keep, t.subscribers])).toEqual([
        ["alpha", true, 0],
        ["news", false, 0],
      ]);
      await reg(engine, a);
      expect(await engine.subscribe(a, "news")).toEqual({ created: false });
    });

    it("deleteTopic removes the topic and every subscription to it", async () => {
      const engine = await make();
      await reg(engine, a);
      await reg(engine, b);
      await engine.subscribe(a, "builds");
      await engine.subscribe(b, "builds");
      await engine.subscribe(a, "alerts");
      expect(await engine.deleteTopic("builds")).toBe(true);
      expect(await engine.deleteTopic("builds")).toBe(false);
      expect(await engine.topicSubscribers("builds")).toBeNull();
      expect(await engine.instanceTopics(a)).toEqual(["alerts"]);
      expect(await engine.instanceTopics(b)).toEqual([]);
      expect((await engine.listTopics()).map((t) => t.name)).toEqual(["alerts"]);
      expect(await engine.subscribe(b, "builds")).toEqual({ created: true });
    });

    it("topicSubscribers is null for an unknown topic and [] for an empty one", async () => {
      const engine = await make();
      expect(await engine.topicSubscribers("nope")).toBeNull();
      await engine.createTopic("empty");
      expect(await engine.topicSubscribers("empty")).toEqual([]);
      expect(await engine.instanceTopics(iid("ghost"))).toEqual([]);
    });
  });
}

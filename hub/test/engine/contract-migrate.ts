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
  secretOf,
  sorted,
} from "./contract-helpers.js";

export function migrateContract(factory: EngineFactory): void {
  describe("register with migrateFrom (/clear)", () => {
    const make = engineMaker(factory);
    const oldId = iid("alice", "old");
    const newId = iid("alice", "new");
    const b = iid("bob");
    const from = { instanceId: oldId, secretHash: secretOf(oldId) };

    it("moves pending and processing in order, in front of what is already pending, with role and topics", async () => {
      const engine = await make();
      await reg(engine, oldId, { connId: "c-old", role: "reviewer" });
      await reg(engine, b);
      await engine.subscribe(oldId, "builds");
      await engine.subscribe(oldId, "alerts");
      await engine.subscribe(b, "builds");
      const oldMsgs = msgs(3, b, oldId);
      await fill(engine, oldId, oldMsgs);
      await claimed(engine, oldId, "c-old", 1);
      await engine.disconnect(oldId, "c-old");
      // The new id already exists offline with a message of its own.
      await reg(engine, newId, { connId: "c-pre" });
      await engine.subscribe(newId, "news");
      await engine.disconnect(newId, "c-pre");
      const own = msgs(1, b, newId);
      await fill(engine, newId, own);

      const res = await reg(engine, newId, { connId: "c-new", migrateFrom: from });
      expect(res.migrated).toEqual({ from: oldId, messages: 3, topics: 2 });
      expect(res.instance).toMatchObject({
        instanceId: newId,
        role: "reviewer",
        online: true,
        queueDepth: 4,
      });
      expect(sorted(res.topics)).toEqual(["alerts", "builds", "news"]);
      expect(sorted(await engine.instanceTopics(newId))).toEqual(["alerts", "builds", "news"]);
      expect(sorted((await engine.topicSubscribers("builds")) ?? [])).toEqual(sorted([b, newId]));
      expect(await engine.getInstance(oldId)).toBeNull();
      expect(await engine.instanceTopics(oldId)).toEqual([]);
      expect((await engine.enqueue([oldId], msgs(1, b, oldId)[0]!)).refused).toEqual([
        { instanceId: oldId, code: "UNKNOWN_RECIPIENT" },
      ]);
      expect(ids(await claimed(engine, newId, "c-new", 10))).toEqual([...ids(oldMsgs), ...ids(own)]);
    });

    it("a given role wins over the migrated one; a first registration reports created", async () => {
      const engine = await make();
      await reg(engine, oldId, { connId: "c-old", role: "reviewer" });
      await engine.disconnect(oldId, "c-old");
      const res = await reg(engine, newId, { connId: "c-new", role: "builder", migrateFrom: from });
      expect(res.created).toBe(true);
      expect(res.migrated).toEqual({ from: oldId, messages: 0, topics: 0 });
      expect(res.instance.role).toBe("builder");
      expect(await engine.listInstances()).toEqual([res.instance]);
    });

    it("a wrong secret throws FORBIDDEN and changes nothing", async () => {
      const engine = await make();
      await reg(engine, oldId, { connId: "c-old", role: "reviewer" });
      await engine.subscribe(oldId, "builds");
      await fill(engine, oldId, msgs(2, b, oldId));
      await engine.disconnect(oldId, "c-old");
      await expectCode(
        reg(engine, newId, { connId: "c-new", migrateFrom: { instanceId: oldId, secretHash: "wrong" } }),
        "FORBIDDEN",
      );
      // Choice: nothing is half-accepted, so the new id is not registered either.
      expect(await engine.getInstance(newId)).toBeNull();
      expect(await engine.getInstance(oldId)).toMatchObject({ role: "reviewer", queueDepth: 2 });
      expect(await engine.instanceTopics(oldId)).toEqual(["builds"]);
    });

    it("a missing old instance is not an error and migrates nothing", async () => {
      const engine = await make();
      const res = await reg(engine, newId, { connId: "c-new", migrateFrom: from });
      expect(res.created).toBe(true);
      // Choice: `migrated` is absent when there was nothing to migrate from.
      expect(res.migrated).toBeUndefined();
      expect(res.instance).toMatchObject({ instanceId: newId, online: true, queueDepth: 0 });
    });
  });
}

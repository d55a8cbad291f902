import { describe, expect, it } from "vitest";
import {
  claimed,
  type EngineFactory,
  engineMaker,
  expectCode,
  fill,
  ISO,
  ids,
  iid,
  msgs,
  reg,
  secretOf,
  sorted,
} from "./contract-helpers.js";

export function identityContract(factory: EngineFactory): void {
  describe("identity and presence", () => {
    const make = engineMaker(factory);
    const a = iid("alice");

    it("answers ping and reports its kind", async () => {
      const engine = await make();
      expect(await engine.ping()).toBe(true);
      expect(["memory", "redis"]).toContain(engine.kind);
    });

    it("register creates the instance and returns it online with no topics", async () => {
      const engine = await make();
      const res = await reg(engine, a, { role: "reviewer", replica: "r7" });
      expect(res.created).toBe(true);
      expect(res.requeued).toBe(0);
      expect(res.topics).toEqual([]);
      expect(res.migrated).toBeUndefined();
      expect(res.instance).toMatchObject({
        instanceId: a,
        username: "alice",
        host: "lan",
        project: "demo",
        session: "s1",
        role: "reviewer",
        online: true,
        replica: "r7",
        queueDepth: 0,
        processing: 0,
      });
      expect(res.instance.registeredAt).toMatch(ISO);
      expect(res.instance.lastSeen).toMatch(ISO);
      expect(await engine.getInstance(a)).toEqual(res.instance);
    });

    it("re-register keeps registeredAt and role, reports created false, records the new replica", async () => {
      const engine = await make();
      const first = await reg(engine, a, { role: "reviewer" });
      const again = await reg(engine, a, { connId: "conn-2", replica: "r2" });
      expect(again.created).toBe(false);
      expect(again.instance.role).toBe("reviewer");
      expect(again.instance.replica).toBe("r2");
      expect(again.instance.registeredAt).toBe(first.instance.registeredAt);
      const third = await reg(engine, a, { connId: "conn-3", role: "builder" });
      expect(third.instance.role).toBe("builder");
    });

    it("getInstance is null for an unknown id; listInstances is sorted and includes offline ones", async () => {
      const engine = await make();
      expect(await engine.getInstance(a)).toBeNull();
      expect(await engine.listInstances()).toEqual([]);
      for (const u of ["carol", "alice", "bob"]) await reg(engine, iid(u));
      await engine.disconnect(iid("bob"), `conn-${iid("bob")}`);
      const list = await engine.listInstances();
      expect(list.map((i) => i.instanceId)).toEqual([iid("alice"), iid("bob"), iid("carol")]);
      expect(list.map((i) => i.online)).toEqual([true, false, true]);
    });

    it("refuses ID_IN_USE while online with another secret and changes nothing", async () => {
      const engine = await make();
      await reg(engine, a, { connId: "c1", role: "reviewer" });
      await fill(engine, a, msgs(1, iid("bob"), a));
      await expectCode(reg(engine, a, { connId: "c2", secretHash: "other", role: "x" }), "ID_IN_USE");
      const info = await engine.getInstance(a);
      expect(info).toMatchObject({ online: true, role: "reviewer" });
      // The original connection is still the holder.
      expect(await claimed(engine, a, "c1", 10)).toHaveLength(1);
      await expectCode(engine.claim(a, "c2", 10), "NOT_HOLDER");
    });

    it("rebinds an offline instance to a new secret, which then owns it", async () => {
      const engine = await make();
      await reg(engine, a, { connId: "c1" });
      expect(await engine.disconnect(a, "c1")).toBe(true);
      const res = await reg(engine, a, { connId: "c2", secretHash: "new-secret" });
      expect(res.created).toBe(false);
      expect(res.instance.online).toBe(true);
      await expectCode(reg(engine, a, { connId: "c3", secretHash: secretOf(a) }), "ID_IN_USE");
      expect((await reg(engine, a, { connId: "c4", secretHash: "new-secret" })).instance.online).toBe(true);
    });

    it("a reconnect with the same secret takes over; the stale socket closing changes nothing", async () => {
      const engine = await make();
      await reg(engine, a, { connId: "c1", replica: "r1" });
      await reg(engine, a, { connId: "c2", replica: "r2" });
      expect(await engine.disconnect(a, "c1")).toBe(false);
      expect(await engine.getInstance(a)).toMatchObject({ online: true, replica: "r2" });
      await expectCode(engine.claim(a, "c1", 1), "NOT_HOLDER");
      expect(await claimed(engine, a, "c2", 1)).toEqual([]);
    });

    it("disconnect by the holder marks offline, keeps the replica, and returns false for unknown ids", async () => {
      const engine = await make();
      await reg(engine, a, { connId: "c1", replica: "r5" });
      expect(await engine.disconnect(a, "c1")).toBe(true);
      expect(await engine.getInstance(a)).toMatchObject({ online: false, replica: "r5" });
      expect(await engine.disconnect(a, "c1")).toBe(false);
      expect(await engine.disconnect(iid("nobody"), "c1")).toBe(false);
      // Choice: after disconnect nobody holds the instance, so the closed connection may not claim.
      await expectCode(engine.claim(a, "c1", 1), "NOT_HOLDER");
    });

    it("disconnect by the holder requeues processing to the front, in order", async () => {
      const engine = await make();
      const list = msgs(5, iid("bob"), a);
      await reg(engine, a, { connId: "c1" });
      await fill(engine, a, list);
      expect(ids(await claimed(engine, a, "c1", 3))).toEqual(ids(list.slice(0, 3)));
      expect(await engine.disconnect(a, "c1")).toBe(true);
      const peek = await engine.peek(a, 10);
      expect(ids(peek.pending)).toEqual(ids(list));
      expect(peek.processing).toEqual([]);
      expect(await engine.getInstance(a)).toMatchObject({ queueDepth: 5, processing: 0 });
    });

    it("register requeues what the previous connection was handed", async () => {
      const engine = await make();
      const list = msgs(4, iid("bob"), a);
      await reg(engine, a, { connId: "c1" });
      await fill(engine, a, list);
      await claimed(engine, a, "c1", 2);
      const res = await reg(engine, a, { connId: "c2" });
      expect(res.requeued).toBe(2);
      expect(res.instance).toMatchObject({ queueDepth: 4, processing: 0 });
      await expectCode(engine.claim(a, "c1", 10), "NOT_HOLDER");
      expect(ids(await claimed(engine, a, "c2", 10))).toEqual(ids(list));
    });

    it("heartbeat returns only the ids taken over elsewhere", async () => {
      const engine = await make();
      const b = iid("bob");
      const c = iid("carol");
      await reg(engine, a, { connId: "a1" });
      await reg(engine, b, { connId: "b1" });
      await reg(engine, c, { connId: "c1" });
      await reg(engine, b, { connId: "b2" });
      await engine.disconnect(c, "c1");
      const stale = await engine.heartbeat([
        { instanceId: a, connId: "a1" },
        { instanceId: b, connId: "b1" },
        { instanceId: c, connId: "c1" },
      ]);
      // Choice: an instance nobody holds any more (disconnected) counts as taken over too.
      expect(sorted(stale)).toEqual([b, c]);
      expect(await engine.heartbeat([])).toEqual([]);
      // A heartbeat from a stale connection never brings an instance back online.
      expect((await engine.getInstance(c))?.online).toBe(false);
    });

    it("setRole sets and clears, NOT_FOUND when unknown", async () => {
      const engine = await make();
      await reg(engine, a);
      expect(await engine.setRole(a, "lead")).toMatchObject({ instanceId: a, role: "lead" });
      expect((await engine.getInstance(a))?.role).toBe("lead");
      expect((await reg(engine, a, { connId: "c9" })).instance.role).toBe("lead");
      expect((await engine.setRole(a, null)).role).toBeNull();
      expect((await engine.getInstance(a))?.role).toBeNull();
      await expectCode(engine.setRole(iid("nobody"), "x"), "NOT_FOUND");
    });
  });
}

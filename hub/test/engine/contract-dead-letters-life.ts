import type { Message } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_CAP, type Engine } from "../../src/engine/engine.js";
import { failOnce } from "./contract-dead-letters.js";
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
  secretOf,
  sleep,
} from "./contract-helpers.js";

/** Kill `list` as poison on an instance held by `conn`, with maxDeliveries 1. */
async function poison(engine: Engine, id: string, conn: string, list: readonly Message[]): Promise<void> {
  await fill(engine, id, list);
  expect(await failOnce(engine, id, conn)).toEqual(ids(list));
  expect(await claimed(engine, id, conn, 100)).toEqual([]);
}

async function deadIds(engine: Engine, id: string): Promise<string[]> {
  return (await engine.deadLetters(id, DEAD_LETTER_CAP)).map((d) => d.message.id);
}

export function deadLetterLifeContract(factory: EngineFactory): void {
  describe("dead letters: flush, removal, migration and the cap", () => {
    const make = engineMaker(factory);
    const a = iid("alice");
    const b = iid("bob");
    const conn = `conn-${a}`;

    it("flush clears dead letters too and counts only pending and processing", async () => {
      const engine = await make({ maxDeliveries: 1 });
      await reg(engine, a);
      await poison(engine, a, conn, msgs(3, b, a));
      await fill(engine, a, msgs(2, b, a));
      expect(await claimed(engine, a, conn, 1)).toHaveLength(1);
      expect(await engine.flush(a)).toBe(2);
      expect(await engine.deadLetterCount(a)).toBe(0);
      expect(await engine.deadLetters(a, 10)).toEqual([]);
      expect(await engine.queueStats(a)).toEqual({
        instanceId: a,
        pending: 0,
        processing: 0,
        oldestAt: null,
      });
    });

    it("removeInstance deletes dead letters; the id registered again has none", async () => {
      const engine = await make({ maxDeliveries: 1 });
      await reg(engine, a);
      const list = msgs(2, b, a);
      await poison(engine, a, conn, list);
      await engine.disconnect(a, conn);
      await engine.removeInstance(a);
      expect(await engine.deadLetterCount(a)).toBe(0);
      expect(await engine.replayDeadLetter(a, list[0]!.id)).toBe(false);
      expect((await reg(engine, a, { connId: "c2" })).created).toBe(true);
      expect(await engine.deadLetters(a, 10)).toEqual([]);
      expect(await engine.queueStats(a)).toMatchObject({ pending: 0, processing: 0 });
    });

    it("an instance removed by reap after queueTtlMs takes its dead letters with it", async () => {
      const engine = await make({ maxDeliveries: 1, queueTtlMs: 300 });
      await reg(engine, a);
      await poison(engine, a, conn, msgs(2, b, a));
      await engine.disconnect(a, conn);
      await sleep(400);
      expect((await engine.reap()).removed).toEqual([a]);
      expect(await engine.deadLetterCount(a)).toBe(0);
      expect(await engine.deadLetters(a, 10)).toEqual([]);
    });

    it("migration moves dead letters in front of the new id's and carries delivery counts", async () => {
      const engine = await make({ maxDeliveries: 2 });
      const oldId = iid("alice", "old");
      const newId = iid("alice", "new");
      const o1 = msg(b, oldId);
      const o2 = msg(b, oldId);
      await reg(engine, oldId, { connId: "c-old" });
      await fill(engine, oldId, [o1]);
      expect(await failOnce(engine, oldId, "c-old")).toEqual([o1.id]);
      expect(await failOnce(engine, oldId, "c-old")).toEqual([o1.id]);
      await fill(engine, oldId, [o2]);
      // o1 dies (2 deliveries); o2 is handed out once and left unacknowledged.
      expect(ids(await claimed(engine, oldId, "c-old", 10))).toEqual([o2.id]);
      await engine.disconnect(oldId, "c-old");
      await reg(engine, newId, { connId: "c-pre" });
      const n1 = msg(b, newId);
      await fill(engine, newId, [n1]);
      expect(await failOnce(engine, newId, "c-pre")).toEqual([n1.id]);
      expect(await failOnce(engine, newId, "c-pre")).toEqual([n1.id]);
      expect(await claimed(engine, newId, "c-pre", 10)).toEqual([]);
      await engine.disconnect(newId, "c-pre");

      const res = await reg(engine, newId, {
        connId: "c-new",
        migrateFrom: { instanceId: oldId, secretHash: secretOf(oldId) },
      });
      expect(res.migrated).toEqual({ from: oldId, messages: 1, topics: 0 });
      expect((await engine.deadLetters(newId, 10)).map((d) => [d.message, d.reason, d.deliveries])).toEqual([
        [o1, "max_deliveries", 2],
        [n1, "max_deliveries", 2],
      ]);
      expect(await engine.deadLetterCount(oldId)).toBe(0);
      // o2 kept its one delivery: one more hand-out, then it dies.
      expect(await failOnce(engine, newId, "c-new")).toEqual([o2.id]);
      expect(await claimed(engine, newId, "c-new", 10)).toEqual([]);
      expect(await deadIds(engine, newId)).toEqual([o1.id, n1.id, o2.id]);
      expect((await engine.deadLetters(newId, 10))[2]?.deliveries).toBe(2);
      expect(await engine.replayDeadLetter(newId, o1.id)).toBe(true);
      expect(await claimed(engine, newId, "c-new", 10)).toEqual([o1]);
    });

    it(`keeps at most ${DEAD_LETTER_CAP} dead letters per instance, dropping the oldest`, async () => {
      const engine = await make({ messageTtlMs: 100, queueMax: 2 * DEAD_LETTER_CAP });
      await reg(engine, a);
      const list = msgs(DEAD_LETTER_CAP + 5, b, a);
      // One connection keeps call order, so concurrent enqueues still queue in list order.
      const results = await Promise.all(list.map((m) => engine.enqueue([a], m)));
      expect(results.every((r) => r.queued.length === 1)).toBe(true);
      await sleep(200);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect(await engine.deadLetterCount(a)).toBe(DEAD_LETTER_CAP);
      expect(await deadIds(engine, a)).toEqual(ids(list.slice(5)));
      expect((await engine.deadLetters(a, 3)).map((d) => d.message.id)).toEqual(ids(list.slice(5, 8)));
      expect(await engine.queueStats(a)).toMatchObject({ pending: 0, processing: 0 });
      // A newer death pushes out the oldest kept one.
      const late = msg(b, a);
      await fill(engine, a, [late]);
      await sleep(200);
      expect(await claimed(engine, a, conn, 10)).toEqual([]);
      expect(await engine.deadLetterCount(a)).toBe(DEAD_LETTER_CAP);
      expect(await deadIds(engine, a)).toEqual([...ids(list.slice(6)), late.id]);
      expect(await engine.replayDeadLetter(a, list[5]!.id)).toBe(false);
    });
  });
}

import type { HubEvent } from "@cc2cc/shared";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { HistoryStore } from "../../src/history/history-store.js";
import { createMemoryHistory } from "../../src/history/memory-history.js";
import { HistoryRecorder } from "../../src/history/recorder.js";
import { HistoryIndexError } from "../../src/history/redis-history.js";
import { ALICE, acked, BOB, sent } from "./events.js";

const logger = pino({ level: "silent" });
const recorders: HistoryRecorder[] = [];

/** A memory store whose appends fail while `down` is set, recording each batch size. */
function flakyStore(): { store: HistoryStore; batches: number[]; setDown(v: boolean | "index"): void } {
  const inner = createMemoryHistory({ maxLen: 100_000, maxAgeMs: 3_600_000 });
  const batches: number[] = [];
  let down: boolean | "index" = false;
  const store: HistoryStore = {
    ...inner,
    async append(events: readonly HubEvent[]) {
      batches.push(events.length);
      if (down === "index") {
        await inner.append(events);
        throw new HistoryIndexError("index write failed");
      }
      if (down) throw new Error("store away");
      await inner.append(events);
    },
  };
  return { store, batches, setDown: (v) => (down = v) };
}

function recorder(store: HistoryStore, opts: ConstructorParameters<typeof HistoryRecorder>[2] = {}) {
  const r = new HistoryRecorder(store, logger, { retryDelayMs: 20, ...opts });
  recorders.push(r);
  return r;
}

afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close();
});

const contents = async (store: HistoryStore) =>
  (await store.list({ limit: 1000 })).entries
    .map((e) => (e.event.type === "message:sent" ? e.event.message.content : e.event.type))
    .reverse();

describe("HistoryRecorder", () => {
  it("writes events in order, batched, off the caller's path", async () => {
    const { store, batches } = flakyStore();
    const r = recorder(store, { batchMax: 100 });
    for (let i = 0; i < 250; i++) r.record(sent(ALICE, [BOB], { content: `m${i}` }));
    expect(batches).toEqual([]);
    await r.flush();
    expect(batches).toEqual([100, 100, 50]);
    expect(await contents(store)).toEqual(Array.from({ length: 250 }, (_, i) => `m${i}`));
    expect(r.totals).toMatchObject({ messages: 250, events: 250, dropped: 0 });
    expect(r.rates().messagesPerMin).toBe(250);
  });

  it("under a steady stream, writes one batch per flush delay, not one per store round trip", async () => {
    const inner = createMemoryHistory({ maxLen: 100_000, maxAgeMs: 3_600_000 });
    const batches: number[] = [];
    const slow: HistoryStore = {
      ...inner,
      async append(events: readonly HubEvent[]) {
        batches.push(events.length);
        await new Promise((res) => setTimeout(res, 5));
        await inner.append(events);
      },
    };
    const r = recorder(slow, { flushDelayMs: 25 });
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 300) {
      r.record(sent(ALICE, [BOB], { content: `m${n++}` }));
      await new Promise((res) => setTimeout(res, 2));
    }
    await r.flush();
    // 300 ms at one batch per 25 ms delay + 5 ms write: about ten, against one per 5 ms write.
    expect(batches.length).toBeLessThanOrEqual(15);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(n);
    expect(await contents(slow)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
  });

  it("holds events while the store is away and writes them, in order, once it is back", async () => {
    const { store, setDown } = flakyStore();
    const r = recorder(store);
    setDown(true);
    r.record(sent(ALICE, [BOB], { content: "first" }));
    await r.flush();
    r.record(sent(ALICE, [BOB], { content: "second" }));
    setDown(false);
    await new Promise((res) => setTimeout(res, 100));
    await r.flush();
    expect(await contents(store)).toEqual(["first", "second"]);
  });

  it("drops the oldest events beyond its buffer and counts them", async () => {
    const { store, setDown } = flakyStore();
    const r = recorder(store, { bufferMax: 10 });
    setDown(true);
    for (let i = 0; i < 25; i++) r.record(sent(ALICE, [BOB], { content: `m${i}` }));
    setDown(false);
    await new Promise((res) => setTimeout(res, 100));
    await r.flush();
    expect(r.totals.dropped).toBeGreaterThanOrEqual(15);
    const kept = await contents(store);
    expect(kept.at(-1)).toBe("m24");
    expect(kept.length).toBe(25 - r.totals.dropped);
  });

  it("does not write a batch twice when only its index failed", async () => {
    const { store, setDown, batches } = flakyStore();
    const r = recorder(store);
    setDown("index");
    r.record(sent(ALICE, [BOB], { content: "once" }));
    r.record(acked(BOB, ["x"]));
    await r.flush();
    await new Promise((res) => setTimeout(res, 60));
    expect(batches).toEqual([2]);
    expect(await contents(store)).toEqual(["once", "message:acked"]);
    expect(r.rates().acksPerMin).toBe(1);
  });
});

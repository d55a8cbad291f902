import { describe, expect, it } from "vitest";
import {
  incrementsOf,
  LATENCY_FACTOR,
  latencyBound,
  latencyBucket,
  SLOT_MS,
  slotOf,
  uuidv7Ms,
} from "../../src/history/aggregates.js";
import { compileAnalytics, percentiles, RANGES } from "../../src/history/analytics.js";
import { ALICE, acked, BOB, sent } from "./events.js";

describe("aggregate counters", () => {
  it("reads the time of a UUIDv7 and refuses other ids", () => {
    const m = sent(ALICE, [BOB], { at: Date.UTC(2030, 0, 1, 12, 0, 0, 123) });
    expect(uuidv7Ms(m.message.id)).toBe(Date.UTC(2030, 0, 1, 12, 0, 0, 123));
    expect(uuidv7Ms("not-a-uuid")).toBeNull();
    expect(uuidv7Ms("6ba7b810-9dad-41d1-80b4-00c04fd430c8")).toBeNull();
  });

  it("puts each latency in the bucket whose bound is the first one above it", () => {
    for (const ms of [1, 2, 7, 40, 999, 61_000, 3_600_000]) {
      const b = latencyBucket(ms);
      expect(latencyBound(b)).toBeGreaterThanOrEqual(ms * 0.999);
      if (b > 0) expect(latencyBound(b - 1)).toBeLessThan(ms);
    }
    expect(latencyBound(1) / latencyBound(0)).toBeCloseTo(LATENCY_FACTOR);
  });

  it("counts a live topic publish against the topic address and an ack as one latency sample", () => {
    const at = Date.UTC(2030, 0, 1, 12, 34, 0);
    const pub = sent(BOB, [], { to: "topic:deploys", topic: "deploys", type: "result", at });
    expect(incrementsOf(pub).map((i) => i.field)).toEqual([
      "m:4:result",
      `s:${BOB}`,
      `e:${BOB}\ttopic:deploys`,
    ]);
    expect(incrementsOf(pub)[0]?.slot).toBe(slotOf(at));
    const ack = incrementsOf(acked(ALICE, [pub.message.id, "not-a-uuid"], at + 250));
    expect(ack).toEqual([{ slot: slotOf(at + 250), field: `l:${latencyBucket(250)}` }]);
  });
});

describe("compileAnalytics", () => {
  it("puts minute counters into range buckets and ignores minutes outside the range", () => {
    const to = Date.UTC(2030, 0, 1, 13, 0, 0);
    const from = to - RANGES["1h"].spanMs;
    const slot = slotOf(from);
    const res = compileAnalytics("1h", from, to, [
      { slot: slot - SLOT_MS, fields: { "m:9:task": 5 } },
      { slot, fields: { "m:0:task": 2, "m:1:question": 1, [`s:${ALICE}`]: 3, [`e:${ALICE}\t${BOB}`]: 3 } },
      { slot: to, fields: { "m:0:task": 7 } },
    ]);
    expect(res.series).toHaveLength(60);
    expect(res.series[0]).toEqual({ at: new Date(from).toISOString(), counts: { task: 2 } });
    expect(res.series[1]?.counts).toEqual({ question: 1 });
    expect(res.totals).toEqual({ task: 2, result: 0, question: 1, ack: 0, ping: 0 });
    expect(res.topSenders).toEqual([{ id: ALICE, count: 3 }]);
    expect(res.edges).toEqual([{ from: ALICE, to: BOB, count: 3 }]);
    expect(res.topReceivers).toEqual([{ id: BOB, count: 3 }]);
    expect(res.latency).toEqual({ samples: 0, p50: null, p90: null, p99: null, max: null });
  });

  it("sums receivers from the edges, also of slots that still hold receiver counters", () => {
    const to = Date.UTC(2030, 0, 1, 13, 0, 0);
    const from = to - RANGES["1h"].spanMs;
    const res = compileAnalytics("1h", from, to, [
      { slot: slotOf(from), fields: { [`r:${BOB}`]: 2, [`e:${ALICE}\t${BOB}`]: 2 } },
      { slot: slotOf(from) + SLOT_MS, fields: { [`e:${ALICE}\t${BOB}`]: 1, [`e:${BOB}\ttopic:x`]: 4 } },
    ]);
    expect(res.topReceivers).toEqual([
      { id: "topic:x", count: 4 },
      { id: BOB, count: 3 },
    ]);
  });

  it("estimates percentiles within one bucket width", () => {
    const hist = new Map<number, number>();
    const samples = Array.from({ length: 1000 }, (_, i) => 10 + i * 2);
    for (const s of samples) hist.set(latencyBucket(s), (hist.get(latencyBucket(s)) ?? 0) + 1);
    const p = percentiles(hist);
    expect(p.samples).toBe(1000);
    for (const [est, exact] of [
      [p.p50, samples[499]!],
      [p.p90, samples[899]!],
      [p.p99, samples[989]!],
    ] as const) {
      expect(est!).toBeGreaterThan(exact / LATENCY_FACTOR);
      expect(est!).toBeLessThan(exact * LATENCY_FACTOR);
    }
    expect(p.max!).toBeGreaterThanOrEqual(samples.at(-1)!);
  });
});

import { type AnalyticsRange, type AnalyticsResponse, MESSAGE_TYPES } from "@cc2cc/shared";
import { latencyBound, MINUTE_MS, SLOT_MS, slotOf } from "./aggregates.js";
import type { HistoryStore, SlotCounts } from "./history-store.js";

/** Span and bucket width of each range: about 60-100 points per chart. */
export const RANGES: Record<AnalyticsRange, { spanMs: number; bucketMs: number }> = {
  "1h": { spanMs: 3_600_000, bucketMs: MINUTE_MS },
  "6h": { spanMs: 6 * 3_600_000, bucketMs: 5 * MINUTE_MS },
  "24h": { spanMs: 24 * 3_600_000, bucketMs: 15 * MINUTE_MS },
  "7d": { spanMs: 7 * 24 * 3_600_000, bucketMs: 2 * 3_600_000 },
};
const TOP = 10;
const EDGES_MAX = 300;

export async function analytics(
  store: HistoryStore,
  range: AnalyticsRange,
  now: number,
): Promise<AnalyticsResponse> {
  const { spanMs, bucketMs } = RANGES[range];
  const to = Math.ceil(now / bucketMs) * bucketMs;
  const from = to - spanMs;
  const slots = await store.slots(slotOf(from), slotOf(to - 1));
  return compileAnalytics(range, from, to, slots);
}

/** Folds slot counters into the response; pure, so the arithmetic is tested without a store. */
export function compileAnalytics(
  range: AnalyticsRange,
  from: number,
  to: number,
  slots: readonly SlotCounts[],
): AnalyticsResponse {
  const { bucketMs } = RANGES[range];
  const buckets = Array.from(
    { length: Math.round((to - from) / bucketMs) },
    () => ({}) as Record<string, number>,
  );
  const totals: Record<string, number> = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, 0]));
  const senders = new Map<string, number>();
  const receivers = new Map<string, number>();
  const edges = new Map<string, number>();
  const latency = new Map<number, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

  for (const { slot, fields } of slots) {
    for (const [field, n] of Object.entries(fields)) {
      const colon = field.indexOf(":");
      const kind = field.slice(0, colon);
      const rest = field.slice(colon + 1);
      if (kind === "m") {
        const [minute, type] = [Number(rest.slice(0, rest.indexOf(":"))), rest.slice(rest.indexOf(":") + 1)];
        const at = slot + minute * MINUTE_MS;
        if (at < from || at >= to) continue;
        const bucket = buckets[Math.floor((at - from) / bucketMs)]!;
        bucket[type] = (bucket[type] ?? 0) + n;
        totals[type] = (totals[type] ?? 0) + n;
      } else if (kind === "s") add(senders, rest, n);
      else if (kind === "e") {
        // Receivers are summed from the edges (older slots also hold an `r:` copy, not read).
        add(edges, rest, n);
        add(receivers, rest.slice(rest.indexOf("\t") + 1), n);
      } else if (kind === "l") latency.set(Number(rest), (latency.get(Number(rest)) ?? 0) + n);
    }
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, TOP)
      .map(([id, count]) => ({ id, count }));
  return {
    range,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucketMs,
    slotMs: SLOT_MS,
    series: buckets.map((counts, i) => ({ at: new Date(from + i * bucketMs).toISOString(), counts })),
    totals,
    topSenders: top(senders),
    topReceivers: top(receivers),
    edges: [...edges]
      .sort((a, b) => b[1] - a[1])
      .slice(0, EDGES_MAX)
      .map(([key, count]) => {
        const [f, t] = key.split("\t");
        return { from: f ?? "", to: t ?? "", count };
      }),
    latency: percentiles(latency),
  };
}

/**
 * Percentiles from the geometric histogram, interpolated geometrically inside the bucket, so
 * each is within one bucket width (25 %) of the true value; `max` is the slowest bucket's bound.
 */
export function percentiles(histogram: ReadonlyMap<number, number>): AnalyticsResponse["latency"] {
  const sorted = [...histogram].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const samples = sorted.reduce((s, [, n]) => s + n, 0);
  if (samples === 0) return { samples: 0, p50: null, p90: null, p99: null, max: null };
  const at = (p: number): number => {
    const rank = p * samples;
    let seen = 0;
    for (const [bucket, n] of sorted) {
      if (seen + n >= rank) {
        const within = n === 0 ? 1 : (rank - seen) / n;
        const low = bucket === 0 ? 0 : latencyBound(bucket - 1);
        const high = latencyBound(bucket);
        return round(low === 0 ? high * within : low * (high / low) ** within);
      }
      seen += n;
    }
    return round(latencyBound(sorted.at(-1)![0]));
  };
  return { samples, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(latencyBound(sorted.at(-1)![0])) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

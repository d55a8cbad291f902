import { type AnalyticsResponse, MESSAGE_TYPES } from "@cc2cc/shared";

/** Messages per minute by type, one stacked series per type, from the hub's buckets. */
export function rateSeries(a: AnalyticsResponse): {
  times: string[];
  series: Array<{ type: string; data: number[] }>;
} {
  const perMinute = a.bucketMs / 60_000;
  return {
    times: a.series.map((s) => s.at),
    series: MESSAGE_TYPES.map((type) => ({
      type,
      data: a.series.map((s) => Math.round(((s.counts[type] ?? 0) / perMinute) * 100) / 100),
    })),
  };
}

export function totalMessages(a: AnalyticsResponse): number {
  return Object.values(a.totals).reduce((n, v) => n + v, 0);
}

export function axisLabel(iso: string, range: AnalyticsResponse["range"]): string {
  const d = new Date(iso);
  const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  return range === "7d" ? `${d.toLocaleDateString([], { weekday: "short" })} ${hm}` : hm;
}

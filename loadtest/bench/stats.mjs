// Small numeric helpers for the benchmark.

/** Nearest-rank percentile of an unsorted array (p in 0..100); NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarizeLatency(values) {
  if (values.length === 0) return { n: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (p) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    n: sorted.length,
    mean: r2(mean),
    p50: r2(at(50)),
    p95: r2(at(95)),
    p99: r2(at(99)),
    max: r2(sorted[sorted.length - 1]),
  };
}

export function median(values) {
  return percentile(values, 50);
}

export const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);
export const r0 = (x) => (Number.isFinite(x) ? Math.round(x) : x);

/** Adds counts of b into a (objects of name → number). */
export function addCounts(a, b) {
  for (const [k, v] of Object.entries(b ?? {})) a[k] = (a[k] ?? 0) + v;
  return a;
}

/** b − a for each key (commandstats deltas), dropping zeros. */
export function deltaCounts(a, b) {
  const out = {};
  for (const [k, v] of Object.entries(b)) {
    const d = v - (a[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export function sum(obj) {
  return Object.values(obj).reduce((a, b) => a + b, 0);
}

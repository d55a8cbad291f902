// End-of-test summary shared by the scripts: the cc2cc_* metrics with their thresholds, a few
// of k6's own WebSocket figures, and a JSON copy when CC2CC_SUMMARY_JSON names a file.

function fmt(metric) {
  const v = metric.values;
  if (metric.type === "trend") {
    const ms = (x) => (x === undefined ? "-" : `${Math.round(x * 100) / 100}ms`);
    return `avg=${ms(v.avg)} p50=${ms(v.med)} p95=${ms(v["p(95)"])} p99=${ms(v["p(99)"])} max=${ms(v.max)}`;
  }
  if (metric.type === "rate")
    return `${Math.round(v.rate * 10000) / 100}% (${v.passes}/${v.passes + v.fails})`;
  if (metric.type === "counter") return `${v.count} (${Math.round(v.rate * 10) / 10}/s)`;
  if (metric.type === "gauge") return `${v.value} (min ${v.min}, max ${v.max})`;
  return JSON.stringify(v);
}

export function summarize(script) {
  return (data) => {
    const lines = [`\n== cc2cc k6 ${script} ==`];
    let failed = 0;
    const names = Object.keys(data.metrics)
      .filter((n) => n.startsWith("cc2cc_") || n === "ws_connecting" || n === "ws_sessions")
      .sort();
    for (const name of names) {
      const m = data.metrics[name];
      lines.push(`  ${name.padEnd(34)} ${fmt(m)}`);
      for (const [expr, t] of Object.entries(m.thresholds ?? {})) {
        if (!t.ok) failed++;
        lines.push(`    ${t.ok ? "✓" : "✗"} ${expr}`);
      }
    }
    lines.push(failed === 0 ? "  thresholds: all passed" : `  thresholds: ${failed} FAILED`);
    const out = { stdout: `${lines.join("\n")}\n` };
    if (__ENV.CC2CC_SUMMARY_JSON) out[__ENV.CC2CC_SUMMARY_JSON] = JSON.stringify(data, null, 2);
    return out;
  };
}

/** Seconds from an env var, with a default. */
export function envSeconds(name, fallback) {
  const raw = __ENV[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return n;
}

export function envInt(name, fallback) {
  const raw = __ENV[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number`);
  return n;
}

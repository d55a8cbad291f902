// Times GET /health on every given replica, one request after another per replica, away from
// the test runner's busy event loop. On stdin's end it reports the slowest answer and the 99th
// percentile per replica, then exits.
const urls = (process.env.CHAOS_URLS ?? "").split(",");
const intervalMs = Number(process.env.CHAOS_INTERVAL_MS ?? "20");
const samples = new Map<string, number[]>(urls.map((u) => [u, []]));
const failures = new Map<string, number>(urls.map((u) => [u, 0]));
let running = true;

async function probe(url: string): Promise<void> {
  while (running) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.status !== 200) failures.set(url, (failures.get(url) ?? 0) + 1);
    } catch {
      failures.set(url, (failures.get(url) ?? 0) + 1);
    }
    samples.get(url)!.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const loops = urls.map((u) => probe(u));
process.stdout.write(`${JSON.stringify({ t: "started" })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  running = false;
  await Promise.all(loops);
  const replicas = urls.map((u) => {
    const xs = [...samples.get(u)!].sort((a, b) => a - b);
    return {
      url: u,
      n: xs.length,
      max: Math.round(xs.at(-1) ?? 0),
      p99: Math.round(xs[Math.floor(xs.length * 0.99)] ?? 0),
      failures: failures.get(u),
    };
  });
  process.stdout.write(`${JSON.stringify({ t: "report", replicas })}\n`);
  setTimeout(() => process.exit(0), 50);
});

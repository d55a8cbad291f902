import { readdirSync, readFileSync } from "node:fs";

/**
 * The pid of the hub listening on `port`, found through /proc: the hub helper does not expose
 * its child's pid, but every hub has CC2CC_HUB_PORT=<port> in its environment.
 */
export function hubPid(port: number): number {
  const needle = `CC2CC_HUB_PORT=${port}\0`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("main.js")) continue;
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(needle)) return Number(entry);
    } catch {
      // gone, or not ours
    }
  }
  throw new Error(`no hub process listens on port ${port}`);
}

/** Resident set size in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/**
 * The largest event-loop delay the hub saw since the last scrape, in ms, from prom-client's
 * default metrics (each scrape resets the histogram, so scrape once before to start a window).
 */
export async function eventLoopLagMaxMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const m = /^cc2cc_nodejs_eventloop_lag_max_seconds\s+([\d.e+-]+)$/m.exec(text);
  return m ? Math.round(Number(m[1]) * 1000) : Number.NaN;
}

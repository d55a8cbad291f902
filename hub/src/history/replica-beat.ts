import type { ClusterResponse, ReplicaRecord } from "@cc2cc/shared";
import type { Logger } from "../logger.js";
import type { HistoryStore } from "./history-store.js";
import type { HistoryRecorder } from "./recorder.js";

/** Records are kept this long after a replica's last word, so a dead one is still listed. */
export const REPLICA_RECORD_TTL_MS = 3_600_000;
/** A replica whose record is older than this many heartbeats is shown as stale. */
const STALE_BEATS = 3;

export interface ReplicaBeatDeps {
  store: HistoryStore;
  recorder: HistoryRecorder;
  logger: Logger;
  replica: string;
  engine: "memory" | "redis";
  intervalMs: number;
  /** What this replica holds right now. */
  counts: () => { plugin: number; dashboard: number; instances: number };
}

/**
 * Every replica writes a small record about itself on each heartbeat (connections, held
 * instances, message rates), so the Cluster view shows all replicas from any one of them.
 */
export function startReplicaBeat(deps: ReplicaBeatDeps): { stop(): Promise<void> } {
  const startedAt = new Date().toISOString();
  const record = (state: ReplicaRecord["state"]): ReplicaRecord => {
    const c = deps.counts();
    const mem = process.memoryUsage();
    return {
      replica: deps.replica,
      engine: deps.engine,
      startedAt,
      at: new Date().toISOString(),
      state,
      connections: { plugin: c.plugin, dashboard: c.dashboard },
      instances: c.instances,
      rates: deps.recorder.rates(),
      totals: { ...deps.recorder.totals },
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    };
  };
  const beat = (state: ReplicaRecord["state"]) =>
    deps.store
      .putReplica(record(state), REPLICA_RECORD_TTL_MS)
      .catch((err: unknown) => deps.logger.debug({ err: String(err) }, "replica record not written"));
  void beat("live");
  const timer = setInterval(() => void beat("live"), deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beat("stopped");
    },
  };
}

/** The cluster as one replica sees it: stored records with `stale` for replicas gone quiet. */
export async function clusterView(
  store: HistoryStore,
  intervalMs: number,
  now: number,
): Promise<ClusterResponse> {
  const records = await store.replicas();
  return {
    now: new Date(now).toISOString(),
    heartbeatMs: intervalMs,
    replicas: records.map((r) =>
      r.state === "live" && now - Date.parse(r.at) > STALE_BEATS * intervalMs ? { ...r, state: "stale" } : r,
    ),
  };
}

import type { Message, QueueStats } from "@cc2cc/shared";
import { type Api, enc } from "./api";

/** What `GET /api/instances/:id/queue` answers (the dead-letter count rides in `stats`). */
export interface QueueBody {
  stats: QueueStats;
  pending: Message[];
  processing: Message[];
}

/**
 * Queue stats of many instances. No instance listing carries the oldest-message age or the
 * dead-letter count, so each one is a queue read (limit 1): they go `concurrency` at a time so
 * a big team does not fire hundreds of requests at once. An instance whose read fails (removed
 * meanwhile, hub away) is left out rather than failing the rest.
 */
export async function loadQueueStats(
  api: Api,
  instanceIds: readonly string[],
  concurrency = 6,
): Promise<Map<string, QueueStats>> {
  const out = new Map<string, QueueStats>();
  let next = 0;
  const worker = async () => {
    while (next < instanceIds.length) {
      const id = instanceIds[next++] as string;
      const body = await api.get<QueueBody>(`/instances/${enc(id)}/queue`, { limit: 1 }).catch(() => null);
      if (body) out.set(id, body.stats);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, instanceIds.length)) }, worker));
  return out;
}

/** Everything an instance's queue holds, dead letters included (what Flush deletes). */
export function heldCount(
  i: { queueDepth: number; processing: number },
  stats: QueueStats | undefined,
): number {
  return i.queueDepth + i.processing + (stats?.deadLetters ?? 0);
}

import type { Schedule, ScheduleFire } from "@cc2cc/shared";
import { Redis } from "ioredis";
import { DASHBOARD_KEY, type HubProcess } from "../helpers/hub-process.js";
import type { TestClient } from "../helpers/test-client.js";

/** REST calls of the schedule API, failing loudly with the hub's answer. */
export async function api<T>(
  hub: HubProcess,
  method: string,
  path: string,
  body?: unknown,
  key = DASHBOARD_KEY,
): Promise<{ status: number; data: T }> {
  const res = await hub.fetch(`/api/schedules${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, data: (await res.json()) as T };
}

export async function apiOk<T>(hub: HubProcess, method: string, path: string, body?: unknown): Promise<T> {
  const { status, data } = await api<T>(hub, method, path, body);
  if (status >= 300) throw new Error(`${method} /api/schedules${path} -> ${status} ${JSON.stringify(data)}`);
  return data;
}

/** Run `fn` over `items`, `width` at a time. */
export async function inParallel<T, R>(
  items: T[],
  width: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** What the recipients saw of the given schedules: every delivery, unique ids, duplicates. */
export function received(clients: TestClient[], scheduleIds: Set<string>) {
  const deliveries = clients.flatMap((c) =>
    c.deliveries.filter((d) => scheduleIds.has(String(d.message.metadata?.scheduleId))),
  );
  const unique = new Set(deliveries.map((d) => d.message.id));
  const schedulesReached = new Set(deliveries.map((d) => String(d.message.metadata?.scheduleId)));
  return {
    deliveries: deliveries.length,
    unique: unique.size,
    duplicates: deliveries.length - unique.size,
    schedulesReached,
    list: deliveries,
  };
}

export async function histories(hub: HubProcess, ids: string[]): Promise<Map<string, ScheduleFire[]>> {
  const fires = await inParallel(ids, 16, (id) =>
    apiOk<{ fires: ScheduleFire[] }>(hub, "GET", `/${id}/fires`),
  );
  return new Map(ids.map((id, i) => [id, fires[i]!.fires]));
}

export async function listSchedules(hub: HubProcess): Promise<Schedule[]> {
  return (await apiOk<{ schedules: Schedule[] }>(hub, "GET", "")).schedules;
}

/** The leases held in Redis right now (key layout of redis-schedule-store.ts, default prefix). */
export async function leases(
  redisUrl: string,
): Promise<Array<{ id: string; rep: string; tok: string; planned: number }>> {
  const redis = new Redis(redisUrl);
  try {
    const all = await redis.hgetall("cc2cc:{sched}:lease");
    return Object.entries(all).map(([id, raw]) => ({
      id,
      ...(JSON.parse(raw) as { rep: string; tok: string; planned: number }),
    }));
  } finally {
    redis.disconnect();
  }
}

export const nextWholeSecond = (fromNowMs: number) => Math.ceil((Date.now() + fromNowMs) / 1000) * 1000;

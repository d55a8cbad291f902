import type { Schedule, ScheduleFire } from "@cc2cc/shared";
import type { Api } from "../../src/lib/api";

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
}

/** An Api whose answers come from `route`; every call is recorded. */
export function fakeApi(route: (call: Call) => unknown | Promise<unknown>): Api & { calls: Call[] } {
  const calls: Call[] = [];
  const run = async <T>(call: Call): Promise<T> => {
    calls.push(call);
    return (await route(call)) as T;
  };
  return {
    calls,
    get: (path, query) => run({ method: "GET", path, ...(query ? { query } : {}) }),
    post: (path, body) => run({ method: "POST", path, body }),
    patch: (path, body) => run({ method: "PATCH", path, body }),
    del: (path) => run({ method: "DELETE", path }),
  };
}

let n = 0;
export function schedule(over: Partial<Schedule> = {}): Schedule {
  n++;
  return {
    id: `sch_${String(n).padStart(32, "0")}`,
    name: `schedule ${n}`,
    expression: "every 90m",
    timezone: "UTC",
    kind: "interval",
    description: "every 90 minutes",
    target: "role:team",
    messageType: "task",
    content: "check the build",
    missedPolicy: "fire_once",
    enabled: true,
    state: "active",
    createdBy: "operator@hub:cc2cc/r1",
    createdAt: "2030-01-01T00:00:00.000Z",
    updatedAt: "2030-01-01T00:00:00.000Z",
    fireCount: 0,
    nextFireAt: "2030-01-01T01:30:00.000Z",
    ...over,
  };
}

export function fire(s: Schedule, over: Partial<ScheduleFire> = {}): ScheduleFire {
  return {
    scheduleId: s.id,
    plannedAt: "2030-01-01T01:30:00.000Z",
    firedAt: "2030-01-01T01:30:00.100Z",
    outcome: "sent",
    trigger: "schedule",
    covers: 1,
    recipients: 1,
    messageId: "0190f0c8-0000-7000-8000-000000000001",
    replica: "r1",
    ...over,
  };
}

export function notices(answer: boolean) {
  const toasts: Array<[string, string]> = [];
  const asked: string[] = [];
  return {
    toasts,
    asked,
    toast: (kind: "ok" | "error" | "info", text: string) => void toasts.push([kind, text]),
    confirm: async (req: { title: string; body: string }) => {
      asked.push(`${req.title} ${req.body}`);
      return answer;
    },
  };
}

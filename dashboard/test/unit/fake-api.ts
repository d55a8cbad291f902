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

import { DASHBOARD_KEY } from "../../helpers/hub-process.js";

export interface ApiResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** One REST call; `key` null sends no Authorization header at all. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  opts: { key?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResult> {
  const key = opts.key === undefined ? DASHBOARD_KEY : opts.key;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

export interface DeadLetterView {
  message: { id: string; content: string; from: string };
  reason: "max_deliveries" | "expired";
  deliveries: number;
  deadAt: string;
}

export async function deadLetters(baseUrl: string, instanceId: string): Promise<DeadLetterView[]> {
  const r = await api(baseUrl, "GET", `/api/instances/${encodeURIComponent(instanceId)}/dead-letters`);
  if (r.status !== 200) throw new Error(`dead-letters: ${r.status} ${r.text}`);
  return (r.body as { deadLetters: DeadLetterView[] }).deadLetters;
}

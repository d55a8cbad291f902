import type { ErrorBody, ErrorCode } from "@cc2cc/shared";

/** A REST failure with the hub's stable code; `status` 0 means the hub could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | "NETWORK",
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface Api {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** Optional only so that hand-written fakes of the other calls stay valid. */
  patch<T>(path: string, body: unknown): Promise<T>;
}

export interface ApiOptions {
  key: () => string | null;
  /** Called when the hub says the key is not (or no longer) valid. */
  onUnauthorized?: (err: ApiError) => void;
  fetch?: typeof fetch;
  base?: string;
}

/** Same-origin REST client; the key goes in the Authorization header and nowhere else. */
export function createApi(opts: ApiOptions): Api {
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.key() ?? ""}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(`${opts.base ?? ""}/api${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError("NETWORK", "the hub could not be reached", 0);
    }
    const text = await res.text();
    const parsed: unknown = text.length > 0 ? safeJson(text) : undefined;
    if (!res.ok) {
      const e = (parsed ?? {}) as Partial<ErrorBody>;
      const err = new ApiError(e.code ?? "INTERNAL", e.message ?? `HTTP ${res.status}`, res.status, e.field);
      if (res.status === 401) opts.onUnauthorized?.(err);
      throw err;
    }
    return parsed as T;
  }
  return {
    get: (path, query) => request("GET", path + queryString(query)),
    post: (path, body) => request("POST", path, body),
    del: (path) => request("DELETE", path),
    patch: (path, body) => request("PATCH", path, body),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function queryString(query: Record<string, string | number | undefined> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Ids in paths are URL-encoded (`alice%40dev1%3Aapp%2Fs1`). */
export const enc = encodeURIComponent;

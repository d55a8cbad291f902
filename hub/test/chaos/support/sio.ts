import { io } from "socket.io-client";

export type Attempt = { ok: true } | { ok: false; message: string; data: unknown };

/**
 * One socket.io connection attempt on a namespace with exactly the given auth, query string and
 * HTTP headers (Origin, Authorization...), closed again at once. Resolves with the outcome.
 */
export function attempt(
  url: string,
  nsp: string,
  opts: { auth?: Record<string, unknown>; query?: Record<string, string>; headers?: Record<string, string> },
  timeoutMs = 5000,
): Promise<Attempt> {
  const socket = io(`${url}${nsp}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.query ? { query: opts.query } : {}),
    ...(opts.headers ? { extraHeaders: opts.headers } : {}),
  });
  return new Promise((resolve) => {
    const done = (a: Attempt) => {
      socket.close();
      resolve(a);
    };
    socket.once("connect", () => done({ ok: true }));
    socket.once("connect_error", (err: Error & { data?: unknown }) =>
      done({ ok: false, message: err.message, data: err.data }),
    );
  });
}

/** The `code` of a refusal's ErrorBody, or what else happened. */
export function codeOf(a: Attempt): string {
  if (a.ok) return "CONNECTED";
  const data = a.data as { code?: unknown } | undefined;
  return typeof data?.code === "string" ? data.code : `(${a.message})`;
}

import type { ErrorCode } from "@cc2cc/shared";

/** Handshake refusals that need a human to change configuration; retrying only spams the hub. */
export const FATAL_HANDSHAKE_CODES: ReadonlySet<ErrorCode> = new Set([
  "UNAUTHORIZED",
  "FORBIDDEN",
  "PROTOCOL_MISMATCH",
  "VALIDATION",
]);

export function fatalHint(code: ErrorCode): string {
  switch (code) {
    case "UNAUTHORIZED":
    case "FORBIDDEN":
      return "A human must set CC2CC_API_KEY to a plugin key the hub accepts and restart the session.";
    case "PROTOCOL_MISMATCH":
      return "The plugin and the hub are different versions; a human must upgrade one of them.";
    default:
      return "A human must fix the plugin's CC2CC_* settings and restart the session.";
  }
}

/** engine.io wraps the socket error ("websocket error"); the cause (ECONNREFUSED...) is inside. */
export function describeTransportError(err: Error & { description?: unknown }): string {
  const cause = err.description;
  if (cause instanceof Error) return `${err.message}: ${cause.message}`;
  if (typeof cause === "object" && cause !== null) {
    const inner = (cause as { error?: unknown }).error ?? cause;
    const message = (inner as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return `${err.message}: ${message}`;
  }
  return err.message;
}

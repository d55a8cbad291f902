import { Cc2ccError, type ErrorCode } from "@cc2cc/shared";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** A tool's answer: the data as structured content, and the same as text for the model. */
export function success(summary: string, data: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: `${summary}\n${JSON.stringify(data)}` }],
    structuredContent: data,
  };
}

/** An MCP tool error carrying the hub's code and a sentence the model can act on. */
export function failure(err: unknown): CallToolResult {
  const error =
    err instanceof Cc2ccError
      ? err
      : new Cc2ccError("INTERNAL", err instanceof Error ? err.message : String(err ?? "unknown error"));
  const hint = hintFor(error);
  const body = {
    code: error.code,
    message: error.message,
    ...(hint ? { hint } : {}),
    ...(error.field !== undefined ? { field: error.field } : {}),
    ...(error.details !== undefined ? { details: error.details } : {}),
  };
  return {
    isError: true,
    content: [{ type: "text", text: `${error.code}: ${error.message}${hint ? `\n${hint}` : ""}` }],
    structuredContent: { error: body },
  };
}

export async function runTool(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return failure(err);
  }
}

const RETRY_SOON =
  "The plugin reconnects by itself; retry in a few seconds (whoami shows the connection state).";

const HINTS: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: "Retrying will not help: a human must fix CC2CC_API_KEY and restart the session.",
  FORBIDDEN: "Retrying will not help: this needs powers the plugin key does not have.",
  PROTOCOL_MISMATCH: "Retrying will not help: a human must upgrade the plugin or the hub.",
  ID_IN_USE:
    "Another process holds this session's instance id; a human must give each session its own CC2CC_SESSION_ID.",
  UNKNOWN_RECIPIENT:
    "Nobody is registered under that address. Call list_instances for exact ids (user@host:project/session) and held roles.",
  QUEUE_FULL:
    "Nothing was queued: the recipient is not reading its messages. Try again later or ask a human to check on it.",
  TIMEOUT: "The other side did not answer in time; list_instances shows whether it is online.",
  NOT_FOUND:
    "Check the name: list_topics shows topics (subscribe_topic creates one); message_status knows the last 24 h.",
  CONFLICT: "The state changed underneath; look again (list_instances, list_topics) and retry.",
  NOT_HOLDER: RETRY_SOON,
  ENGINE_UNAVAILABLE: "The hub lost its store for a moment; nothing was accepted. Retry in a few seconds.",
  SHUTTING_DOWN: RETRY_SOON,
  HUB_UNREACHABLE: RETRY_SOON,
  INTERNAL: "A bug in the hub or the plugin; retrying may work. Tell the user if it persists.",
};

function hintFor(error: Cc2ccError): string | undefined {
  const details = error.details ?? {};
  switch (error.code) {
    case "VALIDATION":
      return `Fix ${error.field ?? "the input"} and call the tool again.`;
    case "AMBIGUOUS_ADDRESS": {
      const candidates = Array.isArray(details.candidates) ? details.candidates.map(String) : [];
      return candidates.length > 0
        ? `Several live instances match; send to one full id: ${candidates.join(", ")}.`
        : "Several live instances match; call list_instances and use a full id.";
    }
    case "RATE_LIMITED": {
      const wait =
        typeof details.retryAfterMs === "number" ? Math.ceil(details.retryAfterMs / 1000) : undefined;
      return `${wait !== undefined ? `Wait ${wait}s before retrying. ` : ""}For frequent updates publish to a topic or address a role instead of broadcasting.`;
    }
    default:
      return HINTS[error.code];
  }
}

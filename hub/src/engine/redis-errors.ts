import { Cc2ccError, type ErrorCode } from "@cc2cc/shared";

/**
 * The one table of script failure codes. Scripts return these negative integers instead of
 * raising, so that a refusal is an ordinary reply (scripts check before they write, so a
 * refusal has changed nothing). The Lua side gets the same table as `ERR` in its prelude,
 * generated from this object, so the numbers cannot drift apart.
 */
export const SCRIPT_ERRORS = {
  NOT_FOUND: -1,
  ID_IN_USE: -2,
  NOT_HOLDER: -3,
  QUEUE_FULL: -4,
  UNKNOWN_RECIPIENT: -5,
  FORBIDDEN: -6,
  CONFLICT: -7,
  RATE_LIMITED: -8,
} as const satisfies Partial<Record<ErrorCode, number>>;

export type ScriptErrorCode = keyof typeof SCRIPT_ERRORS;

const MESSAGES: Record<ScriptErrorCode, (subject: string) => string> = {
  NOT_FOUND: (s) => `${s} does not exist`,
  ID_IN_USE: (s) => `${s} is online and bound to another process`,
  NOT_HOLDER: (s) => `this connection no longer holds ${s}`,
  QUEUE_FULL: (s) => `the queue of ${s} is full`,
  UNKNOWN_RECIPIENT: (s) => `${s} is not a registered instance`,
  FORBIDDEN: (s) => `wrong secret for ${s}`,
  CONFLICT: (s) => `${s} is online`,
  RATE_LIMITED: (s) => `too many messages to ${s}`,
};

const BY_NUMBER = new Map<number, ScriptErrorCode>(
  Object.entries(SCRIPT_ERRORS).map(([code, n]) => [n, code as ScriptErrorCode]),
);

/** `local ERR = {...}` for the Lua prelude. */
export function luaErrorTable(): string {
  const fields = Object.entries(SCRIPT_ERRORS).map(([code, n]) => `${code} = ${n}`);
  return `local ERR = { ${fields.join(", ")} }\n`;
}

/** The script's error code when `reply` is one, else null. */
export function scriptErrorCode(reply: unknown): ScriptErrorCode | null {
  return typeof reply === "number" && reply < 0 ? (BY_NUMBER.get(reply) ?? null) : null;
}

export function scriptError(code: ScriptErrorCode, subject: string): Cc2ccError {
  return new Cc2ccError(code, MESSAGES[code](subject));
}

/** Throws the mapped Cc2ccError when a script answered with a failure code. */
export function checkReply<T>(reply: T, subject: string): T {
  const code = scriptErrorCode(reply);
  if (code) throw scriptError(code, subject);
  if (typeof reply === "number" && reply < 0) {
    throw new Cc2ccError("INTERNAL", `unexpected script reply ${reply} for ${subject}`);
  }
  return reply;
}

// Server replies that mean "the store cannot take this right now", not "the request is wrong".
const TRANSIENT_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|OOM|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

/**
 * Maps whatever a Redis call threw. Connection failures (ECONNREFUSED, "Connection is
 * closed", MaxRetriesPerRequestError, a closed stream with the offline queue off, timeouts)
 * and transient server states become ENGINE_UNAVAILABLE; other server replies (a script bug,
 * WRONGTYPE) are INTERNAL; JavaScript bugs are rethrown untouched.
 */
export function toEngineError(err: unknown): Error {
  if (err instanceof Cc2ccError) return err;
  if (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError
  ) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.name : "";
  if (name === "ReplyError" && !TRANSIENT_REPLY.test(message)) {
    const e = new Cc2ccError("INTERNAL", `Redis refused a command: ${message}`);
    e.cause = err;
    return e;
  }
  const e = new Cc2ccError("ENGINE_UNAVAILABLE", `Redis is unavailable: ${message}`);
  e.cause = err;
  return e;
}

/** Runs a store operation, mapping every failure through `toEngineError`. */
export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw toEngineError(err);
  }
}

function rethrowMapped(err: unknown): never {
  throw toEngineError(err);
}

/** `guard` for an operation already started: the per-message calls skip an async frame. */
export function mapFailure<T>(op: Promise<T>): Promise<T> {
  return op.catch(rethrowMapped);
}

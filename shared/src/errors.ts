import { z } from "zod";

/**
 * Stable error codes. The plugin and the dashboard show the code next to the sentence, so a
 * code, once released, keeps its meaning.
 */
export const ERROR_CODES = [
  /** A frame or body failed its schema; `field` names the first offending path. */
  "VALIDATION",
  /** No key, or a key that is not valid. */
  "UNAUTHORIZED",
  /** A valid key without the power for this operation (a plugin key doing operator work). */
  "FORBIDDEN",
  /** Client and hub speak different protocol versions. */
  "PROTOCOL_MISMATCH",
  /** The instance id is live and bound to another process (different secret). */
  "ID_IN_USE",
  /** A full instance id that never registered (or was removed), or a role with no holder. */
  "UNKNOWN_RECIPIENT",
  /** A partial address matched several live instances; `details.candidates` lists them. */
  "AMBIGUOUS_ADDRESS",
  /** The recipient's queue is at its cap; nothing was queued for that recipient. */
  "QUEUE_FULL",
  /** A per-sender limit refused the request; `details.retryAfterMs` says when to try again. */
  "RATE_LIMITED",
  /** A reply chain grew past the hub's hop cap (agents answering each other forever). */
  "HOP_LIMIT",
  /** A round trip (ping) got no answer in time. */
  "TIMEOUT",
  /** A named thing (topic, message, instance) does not exist. */
  "NOT_FOUND",
  /** The request conflicts with current state (removing an online instance, say). */
  "CONFLICT",
  /** The instance is not connected here any more (a stale socket after a reconnect elsewhere). */
  "NOT_HOLDER",
  /** The hub cannot reach its store (Redis); nothing was accepted. */
  "ENGINE_UNAVAILABLE",
  /** The hub is shutting down; reconnect and retry. */
  "SHUTTING_DOWN",
  /** The client is not connected to a hub (raised by the plugin itself). */
  "HUB_UNREACHABLE",
  /** A bug on the hub; the log has the request id. */
  "INTERNAL",
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The one error shape of every socket reply and every REST error response. */
export const ErrorBodySchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Dotted path of the offending field, for VALIDATION. */
  field: z.string().optional(),
  /** The id of the request this error answers. */
  requestId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** HTTP status for each code, used by the REST layer. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PROTOCOL_MISMATCH: 400,
  ID_IN_USE: 409,
  UNKNOWN_RECIPIENT: 404,
  AMBIGUOUS_ADDRESS: 409,
  QUEUE_FULL: 429,
  RATE_LIMITED: 429,
  HOP_LIMIT: 422,
  TIMEOUT: 504,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NOT_HOLDER: 409,
  ENGINE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  HUB_UNREACHABLE: 503,
  INTERNAL: 500,
};

/** An error with a stable code, thrown anywhere and converted once at the edge. */
export class Cc2ccError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { field?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "Cc2ccError";
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }

  toBody(requestId?: string): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}

/** The first issue of a zod error as a VALIDATION error naming the field. */
export function validationError(error: z.ZodError, prefix?: string): Cc2ccError {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join(".") : "";
  const field = [prefix, path].filter((p) => p !== undefined && p !== "").join(".") || undefined;
  const message = issue ? `${field ?? "body"}: ${issue.message}` : "invalid input";
  return new Cc2ccError("VALIDATION", message, field !== undefined ? { field } : {});
}

/** Parse with a schema or throw a VALIDATION Cc2ccError naming the field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}

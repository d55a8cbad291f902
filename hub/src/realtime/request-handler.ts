import { Cc2ccError, type ErrorBody, parseOrThrow, type Reply } from "@cc2cc/shared";
import type { z } from "zod";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/**
 * Per-socket token bucket. Frames past the rate get RATE_LIMITED; a client that keeps going
 * past twice the rate for a whole second is disconnected, so one socket cannot starve the
 * replica's event loop.
 */
export class FrameLimiter {
  private tokens: number;
  private last = Date.now();
  private over = 0;

  constructor(private readonly rate: number) {
    this.tokens = rate;
  }

  /** "ok", "limited" (refuse this frame), or "abusive" (drop the connection). */
  take(): "ok" | "limited" | "abusive" {
    const now = Date.now();
    const elapsed = (now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.rate, this.tokens + elapsed * this.rate);
    this.over = Math.max(0, this.over - elapsed * this.rate);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return "ok";
    }
    this.over += 1;
    return this.over > this.rate * 2 ? "abusive" : "limited";
  }
}

export function toErrorBody(err: unknown, requestId: string, logger: Logger): ErrorBody {
  if (err instanceof Cc2ccError) return err.toBody(requestId);
  logger.error({ err, requestId }, "unexpected error");
  return { code: "INTERNAL", message: `internal error; the hub log has request ${requestId}`, requestId };
}

export interface DispatchDeps {
  logger: Logger;
  metrics: Metrics;
  limiter: FrameLimiter;
  onAbuse: () => void;
  /** Where an error goes when the client gave no callback to answer. */
  notice: (error: ErrorBody) => void;
  /** Called before a reply or notice is written (lets the connection batch its writes). */
  beforeReply?: () => void;
  state: { inflight: number; shuttingDown: boolean };
}

/**
 * An id for a request that came without one: only for log lines and the reply, so unique
 * enough at random (a UUIDv7 here cost 2 % of the hub's CPU at saturation).
 */
function localRequestId(): string {
  return `hub-${Math.random().toString(36).slice(2, 12)}`;
}

/** The request id a client sent, when it sent a usable one. */
function requestIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const id = (payload as { requestId?: unknown }).requestId;
  return typeof id === "string" && id.length > 0 && id.length <= 64 ? id : undefined;
}

/**
 * Normalise socket.io arguments (payload and callback, or just a callback), rate-limit,
 * validate against the event's schema, run, and answer once with a Reply carrying the
 * request id. Never throws: a bad frame costs the sender an error reply, nothing more.
 * With `replyOptional` (idempotent events such as `ack`) a frame may come without a callback:
 * it runs, success sends nothing, and a failure goes out as a `notice`.
 */
export function dispatch<S extends z.ZodType, T>(
  event: string,
  schema: S,
  args: unknown[],
  deps: DispatchDeps,
  run: (req: z.infer<S>) => Promise<T>,
  replyOptional = false,
): void {
  // socket.io puts the callback last, however many arguments came before it.
  const first = args[0];
  const last = args.at(-1);
  const ack = typeof last === "function" ? last : undefined;
  const payload = typeof first === "function" ? {} : first;
  const requestId = requestIdOf(payload) ?? localRequestId();
  // A frame without a callback cannot be answered; its error goes out as a notice instead.
  const reply = (r: Reply<T>) => {
    deps.beforeReply?.();
    if (typeof ack === "function") (ack as (r: Reply<T>) => void)(r);
    else if (!r.ok) deps.notice(r.error);
  };
  deps.metrics.frames.inc({ event });
  const verdict = deps.limiter.take();
  if (verdict !== "ok") {
    deps.metrics.rateLimited.inc({ kind: "frames" });
    reply({
      ok: false,
      requestId,
      error: { code: "RATE_LIMITED", message: "too many frames on this connection; slow down", requestId },
    });
    if (verdict === "abusive") deps.onAbuse();
    return;
  }
  if (deps.state.shuttingDown) {
    reply({
      ok: false,
      requestId,
      error: {
        code: "SHUTTING_DOWN",
        message: "this replica is shutting down; retry after the reconnect",
        requestId,
      },
    });
    return;
  }
  let req: z.infer<S>;
  try {
    if (ack === undefined && !replyOptional) {
      throw new Cc2ccError("VALIDATION", `${event}: an acknowledgement callback is required`, {
        field: "ack",
      });
    }
    req = parseOrThrow(schema, payload);
  } catch (err) {
    deps.metrics.badFrames.inc({ event });
    const error = toErrorBody(err, requestId, deps.logger);
    reply({ ok: false, requestId, error });
    return;
  }
  deps.state.inflight++;
  run(req)
    .then(
      (data) => reply({ ok: true, requestId, data }),
      (err: unknown) => reply({ ok: false, requestId, error: toErrorBody(err, requestId, deps.logger) }),
    )
    .finally(() => {
      deps.state.inflight--;
    });
}

import pino, { type Logger } from "pino";

export type { Logger };

/**
 * JSON lines on stdout with the replica name. Message content never goes into logs; keys are
 * redacted in case a handshake object is ever logged whole.
 */
export function createLogger(opts: { level: string; replica: string }): Logger {
  return pino({
    level: opts.level,
    base: { replica: opts.replica },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["key", "*.key", "auth.key", "secret", "*.secret", "authorization", "*.authorization"],
      remove: true,
    },
  });
}

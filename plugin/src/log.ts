/**
 * stdout carries MCP frames, so every log line goes to stderr (Claude Code keeps it in its MCP
 * log). Message content is never logged: it is another agent's text.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  debug: boolean,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const line = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : "";
    write(`cc2cc-plugin ${level}: ${msg}${extra}\n`);
  };
  return {
    debug: (msg, fields) => {
      if (debug) line("debug", msg, fields);
    },
    info: (msg, fields) => line("info", msg, fields),
    warn: (msg, fields) => line("warn", msg, fields),
    error: (msg, fields) => line("error", msg, fields),
  };
}

function safeJson(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return "[unserializable]";
  }
}

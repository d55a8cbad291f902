import {
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  unwatchFile,
  watchFile,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { sanitizeIdPart } from "./config.js";
import type { Logger } from "./log.js";

/**
 * The file the SessionStart hook writes and the plugin watches. Claude Code keeps the MCP
 * server process across `/clear` but starts a new session; the hook is the only party that
 * learns the new session id, so it leaves it here.
 */
export const SessionRecordSchema = z.object({
  sessionId: z.string().min(1).max(200),
  /** SessionStart's source (startup, resume, clear, compact), or "plugin" for our own marker. */
  source: z.string().max(32).optional(),
  at: z.string().optional(),
  pid: z.number().int().optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

export function readSessionRecord(file: string): SessionRecord | null {
  try {
    const parsed = SessionRecordSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Write via a temp file and rename, so a reader never sees half a record. */
export function writeSessionRecord(file: string, record: SessionRecord): void {
  // Private: the temp dir may be shared, and whoever writes here steers our registration.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeSessionRecord(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** A record the hook wrote within `maxAgeMs`: the session this process was started for. */
export function freshHookSession(file: string, maxAgeMs: number, now = Date.now()): string | null {
  const record = readSessionRecord(file);
  if (!record || record.source === "plugin") return null;
  try {
    if (now - statSync(file).mtimeMs > maxAgeMs) return null;
  } catch {
    return null;
  }
  return sanitizeIdPart(record.sessionId) || null;
}

/**
 * Polls the file (fs.watchFile works before the file exists and across rename-replace, which
 * fs.watch does not) and reports each new session id once.
 */
export class SessionWatcher {
  private current: string;

  constructor(
    private readonly file: string,
    initialSessionId: string,
    private readonly onChange: (sessionId: string, source: string | undefined) => void,
    private readonly log: Logger,
    private readonly intervalMs = 500,
  ) {
    this.current = initialSessionId;
  }

  start(): void {
    try {
      writeSessionRecord(this.file, {
        sessionId: this.current,
        source: "plugin",
        at: new Date().toISOString(),
        pid: process.pid,
      });
    } catch (err) {
      this.log.warn("cannot write the session file; /clear will not re-register", {
        file: this.file,
        error: err,
      });
    }
    watchFile(this.file, { interval: this.intervalMs, persistent: false }, () => this.check());
  }

  stop(): void {
    unwatchFile(this.file);
  }

  private check(): void {
    const record = readSessionRecord(this.file);
    if (!record || record.source === "plugin") return;
    const sessionId = sanitizeIdPart(record.sessionId);
    if (sessionId === "") {
      this.log.warn("session file holds an unusable session id", { file: this.file });
      return;
    }
    if (sessionId === this.current) return;
    this.current = sessionId;
    this.onChange(sessionId, record.source);
  }
}

#!/usr/bin/env node
// SessionStart hook of the cc2cc plugin. Claude Code keeps its MCP servers running across
// /clear but starts a new session; this hook is told the new session id and records it in the
// file the session's cc2cc plugin watches, so the plugin re-registers under the new id.
//
// The file is CC2CC_SESSION_FILE when set, otherwise <tmp>/cc2cc-<uid>/sessions/<pid>.json where <pid>
// is the Claude Code process: the plugin's parent, and an ancestor of this hook (usually via a
// shell). The plugin creates its file at start, so the ancestor that has one is the right one.
// It never blocks the session: every failure is a line on stderr and exit code 0.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

const SHELLS = new Set([
  "sh",
  "bash",
  "zsh",
  "dash",
  "ksh",
  "fish",
  "cmd.exe",
  "powershell.exe",
  "pwsh",
  "pwsh.exe",
]);

function readStdin() {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

/** [ppid, name] of a process, or null where the platform does not tell. */
function processInfo(pid) {
  try {
    if (process.platform === "linux") {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      return [ppid, name];
    }
    if (process.platform !== "win32") {
      const out = execFileSync("ps", ["-o", "ppid=,comm=", "-p", String(pid)], { encoding: "utf8" }).trim();
      const match = /^(\d+)\s+(.*)$/.exec(out);
      if (match) return [Number(match[1]), basename(match[2])];
    }
  } catch {
    // Process gone or no ps: stop walking.
  }
  return null;
}

/** This hook's ancestors, nearest first, up to `max`. */
function ancestors(max) {
  const chain = [];
  let pid = process.ppid;
  while (pid > 1 && chain.length < max) {
    const info = processInfo(pid);
    chain.push({ pid, name: info ? info[1] : "" });
    if (!info) break;
    pid = info[0];
  }
  return chain;
}

function targetFile() {
  const explicit = process.env.CC2CC_SESSION_FILE?.trim();
  if (explicit) return explicit;
  const uid = typeof process.getuid === "function" ? String(process.getuid()) : "user";
  const dir = join(tmpdir(), `cc2cc-${uid}`, "sessions");
  const chain = ancestors(8);
  const owner = chain.find((p) => existsSync(join(dir, `${p.pid}.json`))) ??
    chain.find((p) => !SHELLS.has(basename(p.name).toLowerCase())) ??
    chain[0] ?? { pid: process.ppid };
  return join(dir, `${owner.pid}.json`);
}

try {
  const input = JSON.parse(readStdin() || "{}");
  const sessionId = typeof input.session_id === "string" ? input.session_id.trim() : "";
  if (sessionId === "") {
    process.stderr.write("cc2cc session-start hook: no session_id in the hook input; nothing recorded\n");
  } else {
    const file = targetFile();
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const record = {
      sessionId,
      source: typeof input.source === "string" ? input.source.slice(0, 32) : "startup",
      at: new Date().toISOString(),
      pid: process.pid,
    };
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  }
} catch (err) {
  process.stderr.write(`cc2cc session-start hook: ${err instanceof Error ? err.message : String(err)}\n`);
}
process.exit(0);

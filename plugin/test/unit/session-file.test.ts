import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentUid, defaultSessionFile } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import {
  freshHookSession,
  readSessionRecord,
  SessionWatcher,
  writeSessionRecord,
} from "../../src/session-file.js";

const HOOK = resolve(import.meta.dirname, "../../claude/hooks/session-start.mjs");
const quiet = createLogger(false, () => undefined);

/** Run the real hook script through a shell, as Claude Code does. */
function runHook(input: unknown, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((done, fail) => {
    const child = spawn("sh", ["-c", `"${process.execPath}" "${HOOK}"`], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["pipe", "ignore", "inherit"],
    });
    child.on("error", fail);
    child.on("exit", (code) => done(code));
    child.stdin.end(JSON.stringify(input));
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc2cc-session-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("session file", () => {
  it("adopts only a fresh record written by the hook", () => {
    const file = join(dir, "s.json");
    writeSessionRecord(file, { sessionId: "plugin-own", source: "plugin" });
    expect(freshHookSession(file, 60_000)).toBeNull();
    writeSessionRecord(file, { sessionId: "from hook", source: "startup" });
    expect(freshHookSession(file, 60_000)).toBe("from-hook");
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    expect(freshHookSession(file, 60_000)).toBeNull();
  });

  it("reports each new session id the hook writes, once", async () => {
    const file = join(dir, "w.json");
    const seen: string[] = [];
    const watcher = new SessionWatcher(file, "s1", (id) => seen.push(id), quiet, 20);
    watcher.start();
    expect(readSessionRecord(file)).toMatchObject({ sessionId: "s1", source: "plugin" });
    writeSessionRecord(file, { sessionId: "s2", source: "clear" });
    await expect.poll(() => seen, { timeout: 2_000 }).toEqual(["s2"]);
    writeSessionRecord(file, { sessionId: "s2", source: "compact" });
    writeSessionRecord(file, { sessionId: "s3", source: "clear" });
    await expect.poll(() => seen, { timeout: 2_000 }).toEqual(["s2", "s3"]);
    watcher.stop();
  });

  it("the hook writes CC2CC_SESSION_FILE when it is set", async () => {
    const file = join(dir, "explicit.json");
    const code = await runHook({ session_id: "abc", source: "clear" }, { CC2CC_SESSION_FILE: file });
    expect(code).toBe(0);
    expect(readSessionRecord(file)).toMatchObject({ sessionId: "abc", source: "clear" });
  });

  it("the hook finds the file its Claude Code ancestor's plugin created, through the shell", async () => {
    // This test process stands in for Claude Code: the plugin's file is keyed by its pid.
    const file = defaultSessionFile(dir, currentUid(), process.pid);
    writeSessionRecord(file, { sessionId: "old", source: "plugin" });
    const code = await runHook({ session_id: "new-session", source: "clear" }, { TMPDIR: dir });
    expect(code).toBe(0);
    expect(readSessionRecord(file)).toMatchObject({ sessionId: "new-session", source: "clear" });
  });

  it("the hook never fails the session on bad input", async () => {
    expect(await runHook("not json", { TMPDIR: dir })).toBe(0);
    expect(await runHook({ source: "startup" }, { TMPDIR: dir })).toBe(0);
  });
});

import { readFileSync } from "node:fs";
import type { ChainableCommander, Redis } from "ioredis";
import { luaErrorTable } from "./redis-errors.js";
import { WriteCoalescer } from "./redis-write-coalescer.js";

/**
 * The engine's Lua scripts, one `<name>-<numKeys>.lua` file each in `./lua/` next to this
 * module (the build copies src/engine/lua to dist/engine/lua). Each is prefixed with the
 * generated error table and `lua/includes/prelude.lua`, then defined once on the connection
 * with ioredis `defineCommand`: it sends EVALSHA and falls back to EVAL on NOSCRIPT, so a
 * restarted or flushed Redis without the script cache needs nothing from us.
 */
export const SCRIPT_FILES = [
  "register-18",
  "heartbeat-8",
  "disconnect-8",
  "set-role-1",
  "remove-instance-9",
  "reap-instance-9",
  "instance-read-4",
  "enqueue-10",
  "claim-7",
  "ack-6",
  "requeue-6",
  "peek-3",
  "queue-stats-3",
  "flush-6",
  "dead-letters-2",
  "replay-dead-letter-7",
  "discard-dead-letter-2",
  "instance-subscribe-2",
  "topic-subscribe-3",
  "topic-unsubscribe-3",
  "topic-create-3",
  "topic-delete-3",
  "topic-expire-3",
  "rate-limit-1",
  "status-index-3",
  "status-get-2",
  "message-state-5",
  "hops-2",
  "mark-replied-2",
  "count-messages-1",
  "messages-today-1",
  "zrem-older-1",
  "release-lock-1",
] as const;

export type ScriptFile = (typeof SCRIPT_FILES)[number];
export type ScriptArg = string | number;

const LUA_DIR = new URL("./lua/", import.meta.url);

export interface LoadedScript {
  file: ScriptFile;
  command: string;
  numberOfKeys: number;
  lua: string;
}

let cache: LoadedScript[] | undefined;

/** Reads every script once per process; the result is shared by all engines. */
export function loadScripts(): LoadedScript[] {
  if (cache) return cache;
  const prelude = luaErrorTable() + readFileSync(new URL("includes/prelude.lua", LUA_DIR), "utf8");
  cache = SCRIPT_FILES.map((file) => ({
    file,
    command: commandName(file),
    numberOfKeys: Number(file.slice(file.lastIndexOf("-") + 1)),
    lua: prelude + readFileSync(new URL(`${file}.lua`, LUA_DIR), "utf8"),
  }));
  return cache;
}

function commandName(file: ScriptFile): string {
  return `cc2cc_${file.replace(/-\d+$/, "").replace(/-/g, "_")}`;
}

type ScriptFn = (...args: ScriptArg[]) => unknown;

/** Typed access to the commands `defineCommand` added to a connection and its pipelines. */
export class Scripts {
  private readonly byFile: Map<ScriptFile, LoadedScript>;
  private readonly writes: WriteCoalescer;

  constructor(private readonly redis: Redis) {
    this.writes = new WriteCoalescer(redis);
    const scripts = loadScripts();
    for (const s of scripts) {
      // Redefining with the same text (another engine on this connection) is harmless.
      redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    }
    this.byFile = new Map(scripts.map((s) => [s.file, s]));
  }

  /** Runs one script now. */
  run(file: ScriptFile, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    this.writes.hold();
    return this.invoke(this.redis, file, keys, args) as Promise<unknown>;
  }

  /** Queues one script on a pipeline. */
  queue(
    pipeline: ChainableCommander,
    file: ScriptFile,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): void {
    this.invoke(pipeline, file, keys, args);
  }

  private invoke(
    target: Redis | ChainableCommander,
    file: ScriptFile,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): unknown {
    const script = this.byFile.get(file);
    if (!script) throw new Error(`unknown script ${file}`);
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`${file} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    const fn = (target as unknown as Record<string, ScriptFn | undefined>)[script.command];
    if (!fn) throw new Error(`script ${file} is not defined on this connection`);
    return fn.apply(target, [...keys, ...args]);
  }
}

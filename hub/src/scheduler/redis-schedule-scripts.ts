import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { scheduleLuaErrorTable } from "./redis-schedule-errors.js";

/**
 * The schedule store's Lua scripts, `lua/<name>-<numKeys>.lua` next to this module (the build
 * copies src/scheduler/lua to dist/scheduler/lua), each prefixed with the error table and
 * `lua/includes/prelude.lua` and defined with ioredis `defineCommand` (EVALSHA, EVAL on NOSCRIPT).
 */
export const SCHEDULE_SCRIPT_FILES = [
  "create-3",
  "update-4",
  "remove-5",
  "claim-4",
  "complete-4",
  "hold-4",
  "record-4",
] as const;
export type ScheduleScriptFile = (typeof SCHEDULE_SCRIPT_FILES)[number];

const LUA_DIR = new URL("./lua/", import.meta.url);

interface Loaded {
  command: string;
  numberOfKeys: number;
}

export class ScheduleScripts {
  private readonly byFile = new Map<ScheduleScriptFile, Loaded>();

  constructor(private readonly redis: Redis) {
    const prelude = scheduleLuaErrorTable() + readFileSync(new URL("includes/prelude.lua", LUA_DIR), "utf8");
    for (const file of SCHEDULE_SCRIPT_FILES) {
      // Own command names: the engine defines cc2cc_claim and friends on the same connection.
      const command = `cc2cc_sched_${file.replace(/-\d+$/, "")}`;
      const numberOfKeys = Number(file.slice(file.lastIndexOf("-") + 1));
      const lua = prelude + readFileSync(new URL(`${file}.lua`, LUA_DIR), "utf8");
      redis.defineCommand(command, { numberOfKeys, lua });
      this.byFile.set(file, { command, numberOfKeys });
    }
  }

  run(
    file: ScheduleScriptFile,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    const script = this.byFile.get(file)!;
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`${file} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    const fn = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
      script.command
    ]!;
    return fn.apply(this.redis, [...keys, ...args]);
  }
}

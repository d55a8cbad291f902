// tsc does not copy non-TS assets; the Redis engine and the scheduler load their .lua files next to their .js.
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// The engine's scripts and the scheduler's each live in a lua/ directory next to their module.
for (const dir of [
  ["engine", "lua"],
  ["scheduler", "lua"],
]) {
  const from = join(root, "src", ...dir);
  const to = join(root, "dist", ...dir);
  if (existsSync(from)) {
    mkdirSync(to, { recursive: true });
    cpSync(from, to, { recursive: true });
  }
}

#!/usr/bin/env node
// What Claude Code starts (see ../.mcp.json): runs the cc2cc MCP server in this same process,
// so that its parent stays the Claude Code process (the session file is keyed by it).
// It prefers CC2CC_PLUGIN_MAIN, then the bundle built into ../server by
// `pnpm --filter @cc2cc/plugin build`, then the repository's plugin/dist/main.js.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [
  process.env.CC2CC_PLUGIN_MAIN?.trim(),
  join(here, "..", "server", "cc2cc-plugin.mjs"),
  join(here, "..", "..", "dist", "main.js"),
].filter((p) => typeof p === "string" && p !== "");

const main = candidates.find((p) => existsSync(p));
if (main === undefined) {
  process.stderr.write(
    `cc2cc-plugin: the MCP server is not built (looked for ${candidates.join(", ")}).\n` +
      "Run `pnpm install && pnpm --filter @cc2cc/plugin build` in the cc2cc repository, then reinstall the " +
      "plugin, or set CC2CC_PLUGIN_MAIN to a built plugin/dist/main.js.\n",
  );
  process.exit(1);
}
await import(pathToFileURL(main).href);

// Preloaded (--import) into the chaos suite's child processes, which Node runs from their .ts
// sources with types stripped: a relative import written `./x.js`, as TypeScript wants it,
// resolves to `./x.ts` when only that exists. Nothing else changes.
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (
      (specifier.startsWith("./") || specifier.startsWith("../")) &&
      specifier.endsWith(".js") &&
      context.parentURL
    ) {
      const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      const js = new URL(specifier, context.parentURL);
      if (!existsSync(fileURLToPath(js)) && existsSync(fileURLToPath(ts)))
        return nextResolve(ts.href, context);
    }
    return nextResolve(specifier, context);
  },
});

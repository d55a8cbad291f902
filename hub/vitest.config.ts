import { configDefaults, defineConfig } from "vitest/config";

// Today's defaults, minus the chaos suite: it runs minutes of faults against real processes and
// has its own entry (`pnpm test:chaos`, vitest.chaos.config.ts).
export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, "test/chaos/**"],
  },
});

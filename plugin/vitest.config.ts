import { defineConfig } from "vitest/config";

// One file at a time: the end-to-end suite runs real hubs, Redis and plugin processes, and the
// machine is shared.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});

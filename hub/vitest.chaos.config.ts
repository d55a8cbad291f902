import { defineConfig } from "vitest/config";

// The fault and abuse suite. One file at a time and one test at a time: each file starts its own
// Redis and hub replicas, measures latency and memory, and the machine is shared, so runs in
// parallel would both slow each other down and blur the figures the suite prints.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90_000,
    // Counts are printed with console.log; keep them in the output even when tests pass.
    silent: false,
  },
});

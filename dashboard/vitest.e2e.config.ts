import { defineConfig } from "vitest/config";

// The browser suite: a real hub, Redis and Chromium per file, one file at a time (shared machine).
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

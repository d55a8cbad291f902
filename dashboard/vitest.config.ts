import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

// Unit and component tests: a DOM (jsdom) for DOMPurify and the components.
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ["test/unit/**/*.test.ts"],
    environment: "jsdom",
  },
});

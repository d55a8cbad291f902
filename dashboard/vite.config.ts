import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// The hub the dev server proxies to; the dashboard itself always talks to its own origin.
const hub = process.env.CC2CC_HUB_URL ?? "http://127.0.0.1:3100";

export default defineConfig({
  plugins: [vue()],
  server: {
    port: 8029,
    strictPort: true,
    proxy: {
      "/api": { target: hub, changeOrigin: true },
      "/socket.io": { target: hub, ws: true, changeOrigin: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
});

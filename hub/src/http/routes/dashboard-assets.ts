import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";

/**
 * What the built dashboard may load: only its own files, its own origin for REST and the
 * socket.io WebSocket (CSP 3 matches ws:/wss: on the same host and port to 'self'; Chromium
 * since 71, Firefox, Safari since 16), and data: images. Message content is rendered as
 * sanitized HTML, so this is the second line behind DOMPurify: no inline script, no plugin
 * content, no framing, no foreign form targets.
 *
 * style-src needs no 'unsafe-inline': the app's CSS is in files; Vue's style bindings and
 * ECharts' layout go through the CSSOM (element.style), which CSP does not govern; vue-echarts
 * adds its few rules as a constructed stylesheet (adoptedStyleSheets), also not governed; and
 * the chart tooltips are drawn on the canvas (renderMode "richText") instead of as HTML with
 * style attributes. The dashboard's browser test fails on any violation in any view.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": DASHBOARD_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const isApiPath = (path: string) => path.startsWith("/api/") || path.startsWith("/socket.io/");

/**
 * The built dashboard at `/`, so one ingress host serves both. Unknown paths outside the API
 * fall back to index.html for the client-side router. No key is needed for the assets: they
 * hold no data and no key (the dashboard asks for one at sign-in).
 */
export function dashboardAssets(dir: string) {
  const index = join(dir, "index.html");
  const app = new Hono<AppEnv>();
  app.use("/*", async (c, next) => {
    await next();
    if (isApiPath(c.req.path)) return;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });
  app.use("/*", serveStatic({ root: dir }));
  app.get("/*", (c, next) => {
    if (isApiPath(c.req.path) || !existsSync(index)) return next();
    return serveStatic({ path: index })(c, next);
  });
  return app;
}

import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";

/**
 * The built dashboard at `/`, so one ingress host serves both. Unknown paths outside the API
 * fall back to index.html for the client-side router. No key is needed for the assets: they
 * hold no data and no key (the dashboard asks for one at sign-in).
 */
export function dashboardAssets(dir: string) {
  const index = join(dir, "index.html");
  const app = new Hono<AppEnv>();
  app.use("/*", serveStatic({ root: dir }));
  app.get("/*", (c, next) => {
    if (c.req.path.startsWith("/api/") || c.req.path.startsWith("/socket.io/") || !existsSync(index))
      return next();
    return serveStatic({ path: index })(c, next);
  });
  return app;
}

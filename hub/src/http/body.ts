import { Cc2ccError, parseOrThrow } from "@cc2cc/shared";
import type { Context } from "hono";
import type { z } from "zod";

/** Parse a JSON body with a shared schema; bad JSON and bad fields are VALIDATION errors. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new Cc2ccError("VALIDATION", "body: must be a JSON object", { field: "body" });
  }
  return parseOrThrow(schema, raw);
}

export function requireDashboard(c: Context): void {
  if (c.get("power") !== "dashboard") {
    throw new Cc2ccError("FORBIDDEN", "this needs a dashboard key (a dashboard key is configured)");
  }
}

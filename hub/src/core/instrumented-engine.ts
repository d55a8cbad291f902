import { Cc2ccError } from "@cc2cc/shared";
import type { Engine } from "../engine/engine.js";
import type { Metrics } from "../metrics.js";

// Not timed: `close` (once), `countMessage`, which only adds to a sum in memory, and `onWake`,
// which subscribes a listener.
const UNTIMED = new Set(["close", "countMessage", "onWake"]);

/**
 * The engine as the hub uses it: every async operation timed by name, and every store
 * outage counted once here instead of at each call site. Each method is wrapped once, with
 * its histogram child looked up once, so a call costs one extra function call and no
 * allocation beyond the timer.
 */
export function instrumentEngine(engine: Engine, metrics: Metrics): Engine {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(engine)) {
    if (typeof value !== "function" || UNTIMED.has(name)) {
      out[name] = typeof value === "function" ? value.bind(engine) : value;
      continue;
    }
    const timer = metrics.engineDuration.labels({ operation: name });
    out[name] = (...args: unknown[]) => {
      const end = timer.startTimer();
      const result = (value as (...a: unknown[]) => unknown).apply(engine, args);
      if (!(result instanceof Promise)) {
        end();
        return result;
      }
      return result.then(
        (v) => {
          end();
          return v;
        },
        (err: unknown) => {
          end();
          if (err instanceof Cc2ccError && err.code === "ENGINE_UNAVAILABLE") metrics.engineErrors.inc();
          throw err;
        },
      );
    };
  }
  return out as unknown as Engine;
}

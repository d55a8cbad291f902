import { Cc2ccError } from "@cc2cc/shared";
import type { Engine } from "../engine/engine.js";
import type { Metrics } from "../metrics.js";

/**
 * The engine as the hub uses it: every async operation timed by name, and every store
 * outage counted once here instead of at each call site.
 */
export function instrumentEngine(engine: Engine, metrics: Metrics): Engine {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || prop === "close") return value;
      const timer = metrics.engineDuration.labels({ operation: prop });
      return (...args: unknown[]) => {
        const end = timer.startTimer();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
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
    },
  });
}

import type { Power } from "../auth.js";

/** Variables the middleware sets on every request. */
export interface AppEnv {
  Variables: {
    requestId: string;
    power: Power;
  };
}

import type { KeyRing } from "../auth.js";
import type { HubConfig } from "../config.js";
import type { Engine } from "../engine/engine.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { ScheduleService } from "../scheduler/schedule-service.js";
import type { Fanout } from "./fanout.js";
import type { Messaging } from "./messaging.js";

/** Everything a transport (socket.io or REST) needs, passed in once at start. */
export interface HubContext {
  config: HubConfig;
  engine: Engine;
  messaging: Messaging;
  fanout: Fanout;
  metrics: Metrics;
  logger: Logger;
  keys: KeyRing;
  schedules: ScheduleService;
  /** `inflight` counts client requests being served, so shutdown can wait for them. */
  state: { shuttingDown: boolean; inflight: number };
}

export const nowIso = () => new Date().toISOString();

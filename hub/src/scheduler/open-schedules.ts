import { SCHEDULE_LIMITS } from "@cc2cc/shared";
import type { HubConfig } from "../config.js";
import type { HubContext } from "../core/hub-context.js";
import type { OpenedEngine } from "../engine/open-engine.js";
import { createMemoryScheduleStore } from "./memory-schedule-store.js";
import { createRedisScheduleStore } from "./redis-schedule-store.js";
import { ScheduleService } from "./schedule-service.js";
import type { ScheduleStore } from "./schedule-store.js";
import { Scheduler } from "./scheduler.js";

/** The schedule store matching the engine: Redis beside Redis (shared by replicas), memory otherwise. */
export function openScheduleStore(opened: OpenedEngine, config: HubConfig): ScheduleStore {
  const historyMax = SCHEDULE_LIMITS.historyMax;
  return opened.redis
    ? createRedisScheduleStore(opened.redis, { prefix: config.redisPrefix, historyMax })
    : createMemoryScheduleStore({ historyMax });
}

export interface Schedules {
  service: ScheduleService;
  scheduler: Scheduler;
}

/** Wire the service (REST, socket) and this replica's firing loop; call `scheduler.start()` after listen. */
export function createSchedules(opened: OpenedEngine, ctx: Omit<HubContext, "schedules">): Schedules {
  const { config } = ctx;
  const store = openScheduleStore(opened, config);
  const deps = {
    store,
    messaging: ctx.messaging,
    fanout: ctx.fanout,
    metrics: ctx.metrics,
    logger: ctx.logger,
  };
  const scheduler = new Scheduler(deps, {
    replica: config.replica,
    pollMs: config.schedulePollMs,
    leaseMs: config.scheduleLeaseMs,
    graceMs: config.scheduleMissedGraceMs,
    batch: 50,
    failpoint: config.schedulerFailpoint,
  });
  if (config.schedulerFailpoint !== undefined) {
    ctx.logger.warn(
      { failpoint: config.schedulerFailpoint },
      "CC2CC_SCHEDULER_FAILPOINT is set: test-only, fires will hang",
    );
  }
  const service = new ScheduleService({ ...deps, config, onChange: () => scheduler.poke() });
  return { service, scheduler };
}

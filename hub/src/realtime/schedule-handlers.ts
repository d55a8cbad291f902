import { addressOf, type PLUGIN_REQUEST_SCHEMAS } from "@cc2cc/shared";
import type { HubContext } from "../core/hub-context.js";

type Requests = typeof PLUGIN_REQUEST_SCHEMAS;
type Req<E extends keyof Requests> = import("zod").infer<Requests[E]>;
export type ScheduleEvent =
  | "create_schedule"
  | "list_schedules"
  | "get_schedule"
  | "update_schedule"
  | "delete_schedule";

/** What a schedule handler reads off the plugin connection it serves. */
export interface ScheduleCaller {
  readonly me: string;
  readonly ctx: HubContext;
}

/**
 * The plugin's schedule requests, merged into the plugin namespace's one handler table. The
 * creator is the socket's registered id; a plugin may change or delete only schedules created
 * from its own address (user@host:project), so a session after `/clear` still owns what it
 * made before.
 */
export const SCHEDULE_HANDLERS: {
  [E in ScheduleEvent]: (c: ScheduleCaller, req: Req<E>) => Promise<unknown>;
} = {
  create_schedule: (c, { requestId: _, ...body }) =>
    c.ctx.schedules.create(body, { kind: "plugin", id: c.me }),
  list_schedules: async (c, req) => ({
    schedules: await c.ctx.schedules.list(req.mine ? { address: addressOf(c.me) } : {}),
  }),
  get_schedule: (c, req) => c.ctx.schedules.get(req.scheduleId),
  update_schedule: (c, { requestId: _, scheduleId, ...body }) =>
    c.ctx.schedules.update(scheduleId, body, { kind: "plugin", id: c.me }),
  delete_schedule: (c, req) => c.ctx.schedules.remove(req.scheduleId, { kind: "plugin", id: c.me }),
};

import { Cc2ccError, DashboardAuthSchema, PROTOCOL_VERSION, parseOrThrow } from "@cc2cc/shared";
import type { HubContext } from "../core/hub-context.js";
import { toErrorBody } from "./request-handler.js";
import type { DashboardNamespace } from "./socket-types.js";

/** Dashboards only listen (`hub_events`, see SocketFanout); they act through REST with the same key. */
export function setupDashboardNamespace(nsp: DashboardNamespace, ctx: HubContext): void {
  nsp.use((socket, next) => {
    try {
      if (ctx.state.shuttingDown)
        throw new Cc2ccError("SHUTTING_DOWN", "this replica is shutting down; reconnect");
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const power = ctx.keys.check(auth.key);
      if (!power)
        throw new Cc2ccError("UNAUTHORIZED", "a valid dashboard key is required in auth.key", {
          field: "auth.key",
        });
      if (power !== "dashboard") {
        throw new Cc2ccError(
          "FORBIDDEN",
          "a dashboard key is configured; plugin keys cannot open the dashboard",
          {
            field: "auth.key",
          },
        );
      }
      if (auth.protocolVersion !== PROTOCOL_VERSION) {
        throw new Cc2ccError("PROTOCOL_MISMATCH", `this hub speaks protocol ${PROTOCOL_VERSION}`, {
          field: "auth.protocolVersion",
          details: { hub: PROTOCOL_VERSION },
        });
      }
      parseOrThrow(DashboardAuthSchema, auth, "auth");
      socket.data = { power };
      next();
    } catch (err) {
      const body = toErrorBody(err, "handshake", ctx.logger);
      next(Object.assign(new Error(body.message), { data: body }));
    }
  });
  nsp.on("connection", (socket) => {
    ctx.metrics.connections.inc({ namespace: "dashboard" });
    socket.on("disconnect", () => ctx.metrics.connections.dec({ namespace: "dashboard" }));
  });
}

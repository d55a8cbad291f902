import {
  Cc2ccError,
  HUB_FEATURES,
  isReservedInstanceId,
  PluginAuthSchema,
  PROTOCOL_VERSION,
  parseInstanceId,
  parseOrThrow,
} from "@cc2cc/shared";
import { hashSecret } from "../auth.js";
import { DeliveryPump } from "../core/delivery-pump.js";
import { type HubContext, nowIso } from "../core/hub-context.js";
import type { RegisterResult } from "../engine/engine.js";
import type { LocalConnections } from "./local-connections.js";
import { announceSubscription, attachPluginHandlers } from "./plugin-handlers.js";
import { FrameLimiter, toErrorBody } from "./request-handler.js";
import { instanceRoom, type PluginNamespace, type PluginSocket, topicRoom } from "./socket-types.js";
import { SocketWriteHold } from "./socket-write-hold.js";

/** A handshake refusal: socket.io hands `data` to the client's `connect_error`. */
function refuse(err: unknown, ctx: HubContext): Error & { data: unknown } {
  const body = toErrorBody(err, "handshake", ctx.logger);
  return Object.assign(new Error(body.message), { data: body });
}

/**
 * Authenticate and register in the handshake, so that socket.io's own reconnects re-register
 * with no extra round trip and a refused client never gets a live socket.
 */
async function handshake(socket: PluginSocket, ctx: HubContext): Promise<void> {
  if (ctx.state.shuttingDown)
    throw new Cc2ccError("SHUTTING_DOWN", "this replica is shutting down; reconnect");
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const power = ctx.keys.check(auth.key);
  if (!power)
    throw new Cc2ccError("UNAUTHORIZED", "a valid key is required in the handshake auth.key", {
      field: "auth.key",
    });
  if (auth.protocolVersion !== PROTOCOL_VERSION) {
    throw new Cc2ccError(
      "PROTOCOL_MISMATCH",
      `this hub speaks protocol ${PROTOCOL_VERSION}; the client sent ${JSON.stringify(auth.protocolVersion ?? null)}`,
      { field: "auth.protocolVersion", details: { hub: PROTOCOL_VERSION } },
    );
  }
  const req = parseOrThrow(PluginAuthSchema, auth, "auth");
  if (isReservedInstanceId(req.instanceId)) {
    throw new Cc2ccError("FORBIDDEN", "that username is reserved for the hub itself", {
      field: "auth.instanceId",
    });
  }
  const registered = await ctx.engine.register({
    instanceId: req.instanceId,
    secretHash: hashSecret(req.secret),
    role: req.role,
    replica: ctx.config.replica,
    connId: socket.id,
    migrateFrom: req.migrateFrom
      ? { instanceId: req.migrateFrom.instanceId, secretHash: hashSecret(req.migrateFrom.secret) }
      : undefined,
  });
  socket.data = {
    instanceId: req.instanceId,
    project: parseInstanceId(req.instanceId)!.project,
    power,
    registered,
  };
  // Read once, here: the key and the secret need not stay in memory for the connection's life.
  (socket.handshake as { auth: unknown }).auth = {};
}

export function setupPluginNamespace(nsp: PluginNamespace, ctx: HubContext, conns: LocalConnections): void {
  nsp.use((socket, next) => {
    handshake(socket, ctx).then(
      () => next(),
      (err: unknown) => next(refuse(err, ctx)),
    );
  });
  nsp.on("connection", (socket) => onConnection(socket, ctx, conns));
}

function onConnection(socket: PluginSocket, ctx: HubContext, conns: LocalConnections): void {
  const { engine, metrics, fanout, config, logger } = ctx;
  const { instanceId, registered } = socket.data;
  if (registered === undefined) {
    // Only a socket that passed the handshake middleware gets here, and only once.
    socket.disconnect(true);
    return;
  }
  socket.data.registered = undefined;
  metrics.connections.inc({ namespace: "plugin" });
  if (registered.requeued > 0) metrics.redelivered.inc(registered.requeued);

  const writes = new SocketWriteHold(socket);
  const pump = new DeliveryPump(
    instanceId,
    socket.id,
    (messages) => {
      writes.hold();
      socket.emit("messages", { messages, requiresAck: true });
    },
    () => {
      socket.emit("notice", { code: "NOT_HOLDER", message: "this id is now held by a newer connection" });
      socket.disconnect(true);
    },
    { engine, metrics, logger, batch: config.inflightWindow },
  );
  const replaced = conns.add(instanceId, socket, pump);
  if (replaced) {
    replaced.pump.stop();
    replaced.socket.disconnect(true);
  }
  // Handlers first: the client may send as soon as its `connect` fires.
  const limiter = new FrameLimiter(config.frameRate);
  attachPluginHandlers(socket, ctx, conns, limiter, writes);

  socket.on("disconnect", (reason) => {
    metrics.connections.dec({ namespace: "plugin" });
    pump.stop();
    conns.remove(instanceId, socket);
    engine.disconnect(instanceId, socket.id).then(
      (wasHolder) => {
        if (wasHolder)
          fanout.event({ type: "instance:disconnected", at: nowIso(), replica: config.replica, instanceId });
        logger.info({ instanceId, reason, wasHolder }, "plugin disconnected");
      },
      // Presence expires by itself and the reaper requeues; nothing is lost by failing here.
      (err: unknown) => logger.warn({ err, instanceId }, "disconnect bookkeeping failed"),
    );
  });

  // Apart, so that what only the welcome needs (the register result) is not kept alive by the
  // closures above for the connection's whole life.
  void welcome(socket, ctx, registered, pump);
}

async function welcome(
  socket: PluginSocket,
  ctx: HubContext,
  registered: RegisterResult,
  pump: DeliveryPump,
): Promise<void> {
  const { engine, fanout, config, logger } = ctx;
  const { instanceId, project } = socket.data;
  try {
    await socket.join(instanceRoom(instanceId));
    const topics = new Set(registered.topics);
    if (!topics.has(project)) {
      const { created } = await engine.subscribe(instanceId, project);
      topics.add(project);
      announceSubscription(ctx, instanceId, project, created);
    }
    for (const t of topics) await socket.join(topicRoom(t));
    const instance = (await engine.getInstance(instanceId)) ?? registered.instance;
    socket.emit("welcome", {
      protocolVersion: PROTOCOL_VERSION,
      replica: config.replica,
      instance,
      topics: [...topics].sort(),
      ...(registered.migrated ? { migrated: registered.migrated } : {}),
      features: [HUB_FEATURES.ackWithoutReply],
    });
    fanout.event({ type: "instance:connected", at: nowIso(), replica: config.replica, instance });
    if (registered.migrated) {
      fanout.event({
        type: "instance:migrated",
        at: nowIso(),
        replica: config.replica,
        from: registered.migrated.from,
        to: instanceId,
        messages: registered.migrated.messages,
      });
    }
    logger.info(
      { instanceId, requeued: registered.requeued, created: registered.created },
      "plugin connected",
    );
    pump.start();
  } catch (err) {
    logger.warn({ err, instanceId }, "connection setup failed; dropping the transport so the client retries");
    // Closing the transport (not a server disconnect) makes socket.io-client reconnect by itself.
    socket.conn.close();
  }
}

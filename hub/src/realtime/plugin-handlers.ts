import {
  Cc2ccError,
  type InstanceInfo,
  LIMITS,
  type Message,
  type MessageStatus,
  PLUGIN_REQUEST_SCHEMAS,
  PROTOCOL_VERSION,
  type SendResult,
  type TopicInfo,
  type Whoami,
} from "@cc2cc/shared";
import { resolveOne } from "../core/address-resolver.js";
import { type HubContext, nowIso } from "../core/hub-context.js";
import type { LocalConnections } from "./local-connections.js";
import { dispatch, type FrameLimiter } from "./request-handler.js";
import { type PluginSocket, topicRoom } from "./socket-types.js";

type Requests = typeof PLUGIN_REQUEST_SCHEMAS;
type Req<E extends keyof Requests> = import("zod").infer<Requests[E]>;

/**
 * Every client→hub event of the plugin namespace. Identity is the socket's registered id;
 * nothing in a payload can change who is speaking.
 */
export function attachPluginHandlers(
  socket: PluginSocket,
  ctx: HubContext,
  conns: LocalConnections,
  limiter: FrameLimiter,
): void {
  const { engine, messaging, fanout, metrics, config } = ctx;
  const me = socket.data.instanceId;
  const deps = {
    logger: ctx.logger,
    metrics,
    limiter,
    state: ctx.state,
    onAbuse: () => {
      socket.emit("notice", {
        code: "RATE_LIMITED",
        message: "frame rate far over the limit; disconnecting",
      });
      socket.disconnect(true);
    },
    notice: (error: { code: string; message: string }) =>
      socket.emit("notice", { code: "VALIDATION", message: `${error.code}: ${error.message}` }),
  };
  const on = <E extends keyof Requests, T>(event: E, run: (req: Req<E>) => Promise<T>) => {
    socket.on(
      event as never,
      ((...args: unknown[]) =>
        dispatch(
          event,
          PLUGIN_REQUEST_SCHEMAS[event],
          args,
          deps,
          run as (r: unknown) => Promise<T>,
        )) as never,
    );
  };

  on("send_message", (req): Promise<SendResult> => messaging.send(me, req));
  on("broadcast", (req): Promise<SendResult> => messaging.broadcast(me, req));
  on("publish_topic", (req): Promise<SendResult> => messaging.publish(me, req));

  on("subscribe_topic", async (req) => {
    const { created } = await engine.subscribe(me, req.topic);
    await socket.join(topicRoom(req.topic));
    announceSubscription(ctx, me, req.topic, created);
    return { topic: req.topic, subscribed: true as const };
  });
  on("unsubscribe_topic", async (req) => {
    const { removed } = await engine.unsubscribe(me, req.topic);
    await socket.leave(topicRoom(req.topic));
    if (removed) {
      fanout.event({
        type: "topic:unsubscribed",
        at: nowIso(),
        replica: config.replica,
        topic: req.topic,
        instanceId: me,
      });
    }
    return { topic: req.topic, subscribed: false as const };
  });
  on("list_topics", async (): Promise<{ topics: TopicInfo[] }> => ({ topics: await engine.listTopics() }));
  on(
    "list_instances",
    async (): Promise<{ instances: InstanceInfo[] }> => ({
      instances: await engine.listInstances(),
    }),
  );
  on("set_role", async (req) => {
    const instance = await engine.setRole(me, req.role);
    fanout.event({ type: "instance:updated", at: nowIso(), replica: config.replica, instance });
    return { instance };
  });
  on("get_messages", async (req): Promise<{ messages: Message[] }> => {
    const messages = await engine.claim(me, socket.id, req.limit ?? LIMITS.pollDefault);
    metrics.delivered.inc(messages.length);
    Promise.all(messages.map((m) => engine.markStatus(m.id, me, "delivered"))).catch(() => {});
    return { messages };
  });
  on("ack", async (req) => {
    const acked = await engine.ack(me, req.messageIds);
    metrics.acked.inc(acked);
    conns.get(me)?.pump.acked(req.messageIds);
    Promise.all(req.messageIds.map((id) => engine.markStatus(id, me, "acknowledged"))).catch(() => {});
    fanout.event({
      type: "message:acked",
      at: nowIso(),
      replica: config.replica,
      instanceId: me,
      messageIds: req.messageIds,
    });
    return { acked };
  });
  on("ping", async (req) => {
    const target = await resolveOne(engine, req.to);
    const info = await engine.getInstance(target);
    if (!info)
      throw new Cc2ccError("UNKNOWN_RECIPIENT", `${target} is not a registered instance`, { field: "to" });
    if (!info.online) throw new Cc2ccError("TIMEOUT", `${target} is offline`, { details: { online: false } });
    const timeoutMs = req.timeoutMs ?? config.pingTimeoutMs;
    const started = performance.now();
    const answered = await fanout.ping(target, { from: me, sentAt: nowIso() }, timeoutMs);
    if (!answered) throw new Cc2ccError("TIMEOUT", `${target} did not answer within ${timeoutMs} ms`);
    return { instanceId: target, rttMs: Math.round((performance.now() - started) * 100) / 100 };
  });
  on("whoami", async (): Promise<Whoami> => {
    const [instance, topics] = await Promise.all([engine.getInstance(me), engine.instanceTopics(me)]);
    if (!instance) throw new Cc2ccError("NOT_FOUND", `${me} is no longer registered`);
    return { instance, topics, replica: config.replica, protocolVersion: PROTOCOL_VERSION };
  });
  on("message_status", async (req): Promise<MessageStatus> => {
    const status = await engine.getMessageStatus(req.messageId);
    // Only the sender may follow its message; others learn nothing, not even that it exists.
    if (!status || status.from !== me) {
      throw new Cc2ccError("NOT_FOUND", `no message ${req.messageId} sent by you is known (kept for a day)`, {
        field: "messageId",
      });
    }
    return status;
  });

  socket.onAny((event: string, ...args: unknown[]) => {
    // hasOwn, not `in`: "constructor" and "__proto__" must count as unknown too.
    if (Object.hasOwn(PLUGIN_REQUEST_SCHEMAS, event)) return;
    metrics.frames.inc({ event: "unknown" });
    metrics.badFrames.inc({ event: "unknown" });
    const last = args.at(-1);
    const ack = typeof last === "function" ? (last as (r: unknown) => void) : undefined;
    const given = (args[0] as { requestId?: unknown } | null | undefined)?.requestId;
    const requestId = typeof given === "string" && given.length > 0 && given.length <= 64 ? given : "unknown";
    // Unknown events cost the same frame budget as known ones.
    const verdict = limiter.take();
    if (verdict !== "ok") {
      metrics.rateLimited.inc({ kind: "frames" });
      ack?.({
        ok: false,
        requestId,
        error: { code: "RATE_LIMITED", message: "too many frames on this connection; slow down", requestId },
      });
      if (verdict === "abusive") deps.onAbuse();
      return;
    }
    const known = Object.keys(PLUGIN_REQUEST_SCHEMAS).join(", ");
    const message = `unknown event "${String(event).slice(0, 64)}"; known: ${known}`;
    if (ack) ack({ ok: false, requestId, error: { code: "VALIDATION", message, field: "event", requestId } });
    else socket.emit("notice", { code: "VALIDATION", message });
  });
}

export function announceSubscription(
  ctx: HubContext,
  instanceId: string,
  topic: string,
  created: boolean,
): void {
  const at = nowIso();
  const replica = ctx.config.replica;
  if (created) {
    ctx.fanout.event({
      type: "topic:created",
      at,
      replica,
      topic: { name: topic, subscribers: 1, createdAt: at, keep: false },
    });
  }
  ctx.fanout.event({ type: "topic:subscribed", at, replica, topic, instanceId });
}

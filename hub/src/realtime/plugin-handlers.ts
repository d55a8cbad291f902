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
import { type DispatchDeps, dispatch, type FrameLimiter } from "./request-handler.js";
import { SCHEDULE_HANDLERS, type ScheduleEvent } from "./schedule-handlers.js";
import { type PluginSocket, topicRoom } from "./socket-types.js";
import type { SocketWriteHold } from "./socket-write-hold.js";

type Requests = typeof PLUGIN_REQUEST_SCHEMAS;
type Req<E extends keyof Requests> = import("zod").infer<Requests[E]>;
type CoreEvent =
  | "send_message"
  | "broadcast"
  | "publish_topic"
  | "subscribe_topic"
  | "unsubscribe_topic"
  | "list_topics"
  | "list_instances"
  | "set_role"
  | "get_messages"
  | "ack"
  | "ping"
  | "whoami"
  | "message_status";
type Handled = CoreEvent | ScheduleEvent;

/**
 * One plugin connection as the handlers see it. A socket costs this object and one listener:
 * the handlers themselves are one table shared by every socket.
 */
class PluginConnection implements DispatchDeps {
  readonly me: string;

  constructor(
    readonly socket: PluginSocket,
    readonly ctx: HubContext,
    readonly conns: LocalConnections,
    readonly limiter: FrameLimiter,
    readonly writes: SocketWriteHold,
  ) {
    this.me = socket.data.instanceId;
  }

  beforeReply(): void {
    this.writes.hold();
  }

  get logger() {
    return this.ctx.logger;
  }
  get metrics() {
    return this.ctx.metrics;
  }
  get state() {
    return this.ctx.state;
  }

  onAbuse(): void {
    this.socket.emit("notice", {
      code: "RATE_LIMITED",
      message: "frame rate far over the limit; disconnecting",
    });
    this.socket.disconnect(true);
  }

  notice(error: { code: string; message: string }): void {
    this.socket.emit("notice", { code: "VALIDATION", message: `${error.code}: ${error.message}` });
  }

  handle(event: string, args: unknown[]): void {
    // As socket.io does for its per-event listeners: nothing after the disconnect.
    if (!this.socket.connected) return;
    // hasOwn, not `in`: "constructor" and "__proto__" must count as unknown too.
    if (Object.hasOwn(HANDLERS, event)) {
      const e = event as Handled;
      const run = HANDLERS[e] as (c: PluginConnection, req: unknown) => Promise<unknown>;
      dispatch(e, PLUGIN_REQUEST_SCHEMAS[e], args, this, (req) => run(this, req), e === "ack");
    } else {
      this.unknown(event, args);
    }
  }

  private unknown(event: string, args: unknown[]): void {
    const { metrics } = this.ctx;
    metrics.frames.inc({ event: "unknown" });
    metrics.badFrames.inc({ event: "unknown" });
    const last = args.at(-1);
    const ack = typeof last === "function" ? (last as (r: unknown) => void) : undefined;
    const given = (args[0] as { requestId?: unknown } | null | undefined)?.requestId;
    const requestId = typeof given === "string" && given.length > 0 && given.length <= 64 ? given : "unknown";
    // Unknown events cost the same frame budget as known ones.
    const verdict = this.limiter.take();
    if (verdict !== "ok") {
      metrics.rateLimited.inc({ kind: "frames" });
      ack?.({
        ok: false,
        requestId,
        error: { code: "RATE_LIMITED", message: "too many frames on this connection; slow down", requestId },
      });
      if (verdict === "abusive") this.onAbuse();
      return;
    }
    const known = Object.keys(PLUGIN_REQUEST_SCHEMAS).join(", ");
    const message = `unknown event "${String(event).slice(0, 64)}"; known: ${known}`;
    if (ack) ack({ ok: false, requestId, error: { code: "VALIDATION", message, field: "event", requestId } });
    else this.socket.emit("notice", { code: "VALIDATION", message });
  }
}

/**
 * Every client→hub event of the plugin namespace handled here. Identity is the socket's
 * registered id; nothing in a payload can change who is speaking.
 */
const HANDLERS: { [E in Handled]: (c: PluginConnection, req: Req<E>) => Promise<unknown> } = {
  ...SCHEDULE_HANDLERS,
  send_message: (c, req): Promise<SendResult> => c.ctx.messaging.send(c.me, req),
  broadcast: (c, req): Promise<SendResult> => c.ctx.messaging.broadcast(c.me, req),
  publish_topic: (c, req): Promise<SendResult> => c.ctx.messaging.publish(c.me, req),

  async subscribe_topic(c, req) {
    const { created } = await c.ctx.engine.subscribe(c.me, req.topic);
    await c.socket.join(topicRoom(req.topic));
    announceSubscription(c.ctx, c.me, req.topic, created);
    return { topic: req.topic, subscribed: true as const };
  },
  async unsubscribe_topic(c, req) {
    const { engine, fanout, config } = c.ctx;
    const { removed } = await engine.unsubscribe(c.me, req.topic);
    await c.socket.leave(topicRoom(req.topic));
    if (removed) {
      fanout.event({
        type: "topic:unsubscribed",
        at: nowIso(),
        replica: config.replica,
        topic: req.topic,
        instanceId: c.me,
      });
    }
    return { topic: req.topic, subscribed: false as const };
  },
  list_topics: async (c): Promise<{ topics: TopicInfo[] }> => ({ topics: await c.ctx.engine.listTopics() }),
  list_instances: async (c): Promise<{ instances: InstanceInfo[] }> => ({
    instances: await c.ctx.engine.listInstances(),
  }),
  async set_role(c, req) {
    const instance = await c.ctx.engine.setRole(c.me, req.role);
    c.ctx.fanout.event({ type: "instance:updated", at: nowIso(), replica: c.ctx.config.replica, instance });
    return { instance };
  },
  async get_messages(c, req): Promise<{ messages: Message[] }> {
    const { messages } = await c.ctx.engine.claim(c.me, c.socket.id, req.limit ?? LIMITS.pollDefault);
    c.ctx.metrics.delivered.inc(messages.length);
    return { messages };
  },
  async ack(c, req) {
    const { engine, metrics, fanout, config } = c.ctx;
    // The ack script also notes the ack for message_status: no status write of its own.
    const acked = await engine.ack(c.me, req.messageIds);
    metrics.acked.inc(acked);
    c.conns.get(c.me)?.pump.acked(req.messageIds);
    fanout.event({
      type: "message:acked",
      at: nowIso(),
      replica: config.replica,
      instanceId: c.me,
      messageIds: req.messageIds,
    });
    return { acked };
  },
  async ping(c, req) {
    const { engine, fanout, config } = c.ctx;
    const target = await resolveOne(engine, req.to);
    const info = await engine.getInstance(target);
    if (!info)
      throw new Cc2ccError("UNKNOWN_RECIPIENT", `${target} is not a registered instance`, { field: "to" });
    if (!info.online) throw new Cc2ccError("TIMEOUT", `${target} is offline`, { details: { online: false } });
    const timeoutMs = req.timeoutMs ?? config.pingTimeoutMs;
    const started = performance.now();
    const answered = await fanout.ping(target, { from: c.me, sentAt: nowIso() }, timeoutMs);
    if (!answered) throw new Cc2ccError("TIMEOUT", `${target} did not answer within ${timeoutMs} ms`);
    return { instanceId: target, rttMs: Math.round((performance.now() - started) * 100) / 100 };
  },
  async whoami(c): Promise<Whoami> {
    const { engine, config } = c.ctx;
    const [instance, topics] = await Promise.all([engine.getInstance(c.me), engine.instanceTopics(c.me)]);
    if (!instance) throw new Cc2ccError("NOT_FOUND", `${c.me} is no longer registered`);
    return { instance, topics, replica: config.replica, protocolVersion: PROTOCOL_VERSION };
  },
  async message_status(c, req): Promise<MessageStatus> {
    const status = await c.ctx.engine.getMessageStatus(req.messageId);
    // Only the sender may follow its message; others learn nothing, not even that it exists.
    if (!status || status.from !== c.me) {
      throw new Cc2ccError("NOT_FOUND", `no message ${req.messageId} sent by you is known (kept for a day)`, {
        field: "messageId",
      });
    }
    return status;
  },
};

/**
 * Serve the plugin's requests on this socket: one listener for every event (socket.io hands
 * `onAny` listeners the same arguments, acknowledgement callback last).
 */
export function attachPluginHandlers(
  socket: PluginSocket,
  ctx: HubContext,
  conns: LocalConnections,
  limiter: FrameLimiter,
  writes: SocketWriteHold,
): void {
  const conn = new PluginConnection(socket, ctx, conns, limiter, writes);
  socket.onAny((event: string, ...args: unknown[]) => conn.handle(event, args));
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

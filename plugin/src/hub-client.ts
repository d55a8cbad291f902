import { randomBytes } from "node:crypto";
import {
  Cc2ccError,
  ErrorBodySchema,
  type MessagesFrame,
  MessagesFrameSchema,
  NAMESPACES,
  NoticeSchema,
  PLUGIN_REQUEST_SCHEMAS,
  type PluginAuth,
  type PluginClientToServerEvents,
  type PluginServerToClientEvents,
  PROTOCOL_VERSION,
  parseOrThrow,
  type Welcome,
  WelcomeSchema,
} from "@cc2cc/shared";
import { io, type Socket } from "socket.io-client";
import { backoffDelay, RECONNECT_BACKOFF } from "./backoff.js";
import { describeTransportError, FATAL_HANDSHAKE_CODES, fatalHint } from "./hub-errors.js";
import type { Logger } from "./log.js";
import { PendingRequests } from "./pending-requests.js";
import {
  type HubRequestName,
  OffContractReply,
  type ReplyData,
  type RequestPayload,
  readReply,
} from "./protocol-replies.js";

export interface HubClientOptions {
  origin: string;
  path: string;
  /** The URL as the user wrote it, for messages. */
  url: string;
  key: string;
  instanceId: string;
  role?: string | undefined;
  requestTimeoutMs: number;
  /** How long a request waits for a connection in progress before failing (no hang). */
  connectGraceMs?: number;
  log: Logger;
  onMessages?: (frame: MessagesFrame) => void;
}

export interface HubStatus {
  connected: boolean;
  hubUrl: string;
  replica: string | null;
  /** Why the last connection attempt failed or the connection dropped. */
  lastProblem: string | null;
  /** A refusal retrying cannot fix (bad key, protocol mismatch). */
  fatal: string | null;
}

type PluginSocket = Socket<PluginServerToClientEvents, PluginClientToServerEvents>;
type LooseEmit = (event: string, body: unknown, ack: (reply: unknown) => void) => void;

/**
 * The plugin's one connection to the hub (socket.io, `/plugin` namespace, WebSocket only).
 * Registration rides on the handshake: `auth` is a function, so every reconnect presents the
 * current instance id, role and (once) the id to migrate from.
 */
export class HubClient {
  /** Binds this process to its instance id; never leaves the process except in the handshake. */
  readonly secret = randomBytes(32).toString("hex");
  private instanceIdValue: string;
  private roleValue: string | undefined;
  private migrateFrom: { instanceId: string; secret: string } | undefined;
  private socket: PluginSocket | undefined;
  private readonly pending = new PendingRequests();
  private readonly connectWaiters = new Set<() => void>();
  private seq = 0;
  private retryAttempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private shutdownTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private fatalError: Cc2ccError | undefined;
  private lastProblem: string | null = null;
  private welcomeValue: Welcome | undefined;

  constructor(private readonly opts: HubClientOptions) {
    this.instanceIdValue = opts.instanceId;
    this.roleValue = opts.role;
  }

  get instanceId(): string {
    return this.instanceIdValue;
  }

  get connected(): boolean {
    return this.socket?.connected === true;
  }

  status(): HubStatus {
    return {
      connected: this.connected,
      hubUrl: this.opts.url,
      replica: this.welcomeValue?.replica ?? null,
      lastProblem: this.lastProblem,
      fatal: this.fatalError ? `${this.fatalError.code}: ${this.fatalError.message}` : null,
    };
  }

  start(): void {
    if (this.socket || this.closed) return;
    const socket: PluginSocket = io(`${this.opts.origin}${NAMESPACES.plugin}`, {
      path: this.opts.path,
      transports: ["websocket"],
      forceNew: true,
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: RECONNECT_BACKOFF.baseMs,
      reconnectionDelayMax: RECONNECT_BACKOFF.maxMs,
      randomizationFactor: RECONNECT_BACKOFF.jitter,
      timeout: 10_000,
      auth: (cb) => cb(this.authPayload()),
    });
    this.socket = socket;
    this.wire(socket);
    socket.connect();
  }

  /** Remember the role so that a reconnect (possibly to a fresh in-process hub) restores it. */
  setRole(role: string | null): void {
    this.roleValue = role ?? undefined;
  }

  /**
   * Claude Code started a new session in this process: register under the new id and ask the
   * hub to move the old id's queue, topics and role to it. If several changes happen while
   * disconnected, the migration starts from the id the hub last knew.
   */
  switchInstance(instanceId: string): void {
    if (instanceId === this.instanceIdValue) return;
    this.migrateFrom ??= { instanceId: this.instanceIdValue, secret: this.secret };
    this.instanceIdValue = instanceId;
    const socket = this.socket;
    if (!socket || this.closed) return;
    this.fatalError = undefined;
    if (socket.connected) {
      socket.disconnect();
      socket.connect();
    } else if (!socket.active) {
      this.reconnectNow();
    }
    // Otherwise socket.io is already retrying and its next handshake reads the new id.
  }

  /** True when the welcome of the current connection listed this feature (HUB_FEATURES). */
  supports(feature: string): boolean {
    return this.connected && this.welcomeValue?.features?.includes(feature) === true;
  }

  /**
   * Send a request without a callback, for the hub to apply and answer by nothing; only where
   * `supports` says the hub takes it so. Resolves once the frame is handed to the socket.
   */
  async notify<E extends HubRequestName>(event: E, payload: RequestPayload<E>): Promise<void> {
    const { body } = this.frame(event, payload);
    const socket = await this.ready();
    (socket.emit as unknown as (event: string, body: unknown) => void).call(socket, event, body);
  }

  async request<E extends HubRequestName>(
    event: E,
    payload: RequestPayload<E>,
    timeoutMs = this.opts.requestTimeoutMs,
  ): Promise<ReplyData<E>> {
    const { requestId, body } = this.frame(event, payload);
    const socket = await this.ready();
    return new Promise<ReplyData<E>>((resolve, reject) => {
      const settle = this.pending.track(
        requestId,
        timeoutMs,
        () =>
          new Cc2ccError(
            "TIMEOUT",
            `the hub did not answer ${event} within ${Math.round(timeoutMs / 1000)}s; it may or may not have been applied`,
          ),
        reject,
      );
      (socket.emit as unknown as LooseEmit).call(socket, event, body, (reply: unknown) => {
        if (!settle()) return;
        try {
          resolve(readReply(event, reply));
        } catch (err) {
          if (err instanceof OffContractReply) {
            this.opts.log.error("hub reply does not match the protocol", {
              event: err.event,
              detail: err.detail,
            });
          }
          reject(err);
        }
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.shutdownTimer);
    this.pending.failAll("the plugin is shutting down");
    this.socket?.disconnect();
  }

  private authPayload(): PluginAuth {
    return {
      key: this.opts.key,
      protocolVersion: PROTOCOL_VERSION,
      instanceId: this.instanceIdValue,
      secret: this.secret,
      ...(this.roleValue !== undefined ? { role: this.roleValue } : {}),
      ...(this.migrateFrom !== undefined ? { migrateFrom: this.migrateFrom } : {}),
    };
  }

  /** The connected socket, waiting briefly for a connection in progress; never hangs. */
  /** A request's body with a fresh request id, checked against the shared schema before it leaves. */
  private frame<E extends HubRequestName>(event: E, payload: RequestPayload<E>) {
    const requestId = `p${process.pid.toString(36)}-${(++this.seq).toString(36)}`;
    return { requestId, body: parseOrThrow(PLUGIN_REQUEST_SCHEMAS[event], { ...payload, requestId }) };
  }

  private async ready(): Promise<PluginSocket> {
    if (this.closed) throw new Cc2ccError("HUB_UNREACHABLE", "the plugin is shutting down");
    if (this.fatalError) throw this.fatalError;
    if (!this.socket?.connected) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.connectWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, this.opts.connectGraceMs ?? 1500);
        this.connectWaiters.add(done);
      });
    }
    if (this.fatalError) throw this.fatalError;
    const socket = this.socket;
    if (!socket?.connected) {
      throw new Cc2ccError(
        "HUB_UNREACHABLE",
        `not connected to the cc2cc hub at ${this.opts.url}${this.lastProblem ? ` (${this.lastProblem})` : ""}; ` +
          "the plugin keeps reconnecting by itself, retry in a few seconds",
      );
    }
    return socket;
  }

  private wire(socket: PluginSocket): void {
    const { log } = this.opts;
    socket.on("connect", () => {
      this.retryAttempt = 0;
      this.lastProblem = null;
      // The handshake that carried migrateFrom succeeded, so the hub has moved the old id.
      this.migrateFrom = undefined;
      for (const wake of [...this.connectWaiters]) wake();
    });
    socket.on("welcome", (raw) => {
      const parsed = WelcomeSchema.safeParse(raw);
      if (!parsed.success) {
        log.error("hub sent an invalid welcome", { issue: parsed.error.issues[0] });
        return;
      }
      this.welcomeValue = parsed.data;
      // The hub's view wins (a migration may have brought a role); reconnects re-assert it.
      this.roleValue = parsed.data.instance.role ?? undefined;
      log.info("registered", {
        instanceId: parsed.data.instance.instanceId,
        replica: parsed.data.replica,
        ...(parsed.data.migrated ? { migrated: parsed.data.migrated } : {}),
      });
    });
    socket.on("messages", (raw) => {
      const parsed = MessagesFrameSchema.safeParse(raw);
      if (!parsed.success) {
        log.error("hub sent an invalid messages frame", { issue: parsed.error.issues[0] });
        return;
      }
      this.opts.onMessages?.(parsed.data);
    });
    socket.on("ping", (_frame, ack) => {
      if (typeof ack === "function") ack({ ok: true });
    });
    socket.on("notice", (raw) => {
      const notice = NoticeSchema.safeParse(raw);
      if (!notice.success) return;
      log.warn("hub notice", { code: notice.data.code, message: notice.data.message });
      if (notice.data.code === "SHUTTING_DOWN") this.leaveDrainingReplica();
      if (notice.data.code === "NOT_HOLDER") this.reconnectNow();
    });
    socket.on("disconnect", (reason) => {
      this.lastProblem = `disconnected: ${reason}`;
      this.pending.failAll(
        `the connection to the hub dropped (${reason}) before it answered; the request may have been applied`,
      );
      if (this.closed) return;
      if (reason === "io client disconnect") log.info("left the hub connection", { reason });
      else log.warn("disconnected from hub", { reason });
      // socket.io retries transport failures itself, not a disconnect the server chose; one we
      // chose (session switch, leaving a draining replica) reconnects on its own path.
      if (!socket.active && reason !== "io client disconnect") this.scheduleReconnect();
    });
    socket.on("connect_error", (err: Error & { data?: unknown; description?: unknown }) => {
      this.lastProblem = describeTransportError(err);
      if (socket.active) {
        log.debug("connect failed, socket.io retries", { error: err.message });
        return;
      }
      const body = ErrorBodySchema.safeParse(err.data);
      const code = body.success ? body.data.code : undefined;
      const message = body.success ? body.data.message : err.message;
      this.lastProblem = code ? `${code}: ${message}` : message;
      if (code === "FORBIDDEN" && this.migrateFrom) {
        log.warn("hub refused the session migration; registering without it", {
          from: this.migrateFrom.instanceId,
        });
        this.migrateFrom = undefined;
      } else if (code && FATAL_HANDSHAKE_CODES.has(code)) {
        this.fatalError = new Cc2ccError(code, `the hub refused this plugin: ${message}. ${fatalHint(code)}`);
        log.error("hub refused the handshake; not retrying", { code, message });
        for (const wake of [...this.connectWaiters]) wake();
        return;
      } else {
        log.warn("hub refused the handshake; retrying", { code, message });
      }
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.fatalError || this.retryTimer) return;
    const delay = backoffDelay(this.retryAttempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const socket = this.socket;
      if (!this.closed && socket && !socket.connected && !socket.active) socket.connect();
    }, delay);
  }

  private reconnectNow(): void {
    const socket = this.socket;
    if (!socket || this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (socket.connected) socket.disconnect();
    socket.connect();
  }

  /**
   * The replica is shutting down and closes its sockets itself; if it has not within a short
   * while (answers still in flight), leave so that the ingress sends us to another replica.
   */
  private leaveDrainingReplica(): void {
    clearTimeout(this.shutdownTimer);
    const replica = this.welcomeValue?.replica;
    this.shutdownTimer = setTimeout(() => {
      if (this.connected && this.welcomeValue?.replica === replica) {
        this.socket?.disconnect();
        this.scheduleReconnect();
      }
    }, 2_000);
  }
}

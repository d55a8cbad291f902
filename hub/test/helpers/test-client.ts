import { randomBytes, randomUUID } from "node:crypto";
import {
  ErrorBodySchema,
  type Message,
  MessagesFrameSchema,
  NAMESPACES,
  type Notice,
  type PingFrame,
  type PluginAuth,
  type PluginClientToServerEvents,
  PROTOCOL_VERSION,
  type Reply,
  type Welcome,
  WelcomeSchema,
} from "@cc2cc/shared";
import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { PLUGIN_KEY } from "./hub-process.js";

export type PluginEvent = keyof PluginClientToServerEvents;
export type RequestOf<E extends PluginEvent> = Parameters<PluginClientToServerEvents[E]>[0];
export type DataOf<E extends PluginEvent> = Parameters<PluginClientToServerEvents[E]>[1] extends (
  reply: Reply<infer T>,
) => void
  ? T
  : never;

/** One message as it reached the client; duplicates are kept so tests can count them. */
export interface Delivery {
  message: Message;
  requiresAck: boolean;
  at: number;
}

export interface TestClientOptions {
  /** Hub base URL (`http://127.0.0.1:port`); the client adds the `/plugin` namespace. */
  url: string;
  instanceId?: string;
  secret?: string;
  key?: string;
  role?: string;
  migrateFrom?: { instanceId: string; secret: string };
  /** Replaces the whole handshake auth, for bad-handshake tests. */
  rawAuth?: unknown;
  /** Ack every requiresAck frame as soon as it arrives (default true). */
  autoAck?: boolean;
  /** Answer hub pings (default true); false plays a plugin that hangs. */
  answerPings?: boolean;
  /** socket.io-client's own reconnects (default true). */
  reconnection?: boolean;
  connectTimeoutMs?: number;
  /** Runs on every socket.io `connect`, before the hub's welcome: a plugin acting at once. */
  onConnect?: (client: TestClient) => void;
}

export class ConnectError extends Error {
  constructor(
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

const EnvelopeSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), requestId: z.string().min(1), data: z.unknown() }),
  z.object({ ok: z.literal(false), requestId: z.string().min(1), error: ErrorBodySchema }),
]);

/** `username@e2e-host:project/<uuid>`: a fresh session, as a new Claude Code start would have. */
export function makeInstanceId(username: string, project = "e2e"): string {
  return `${username}@e2e-host:${project}/${randomUUID()}`;
}

export function makeSecret(): string {
  return randomBytes(24).toString("hex");
}

export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A plugin as the hub sees it: socket.io-client on `/plugin`, WebSocket only, registered in the
 * handshake. It logs every delivery without dropping duplicates, so tests count exactly what
 * the hub sent.
 */
export class TestClient {
  readonly instanceId: string;
  readonly secret: string;
  readonly socket: Socket;
  readonly welcomes: Welcome[] = [];
  /** Date.now() of each welcome, to measure how long a reconnect took. */
  readonly welcomeTimes: number[] = [];
  readonly deliveries: Delivery[] = [];
  readonly notices: Notice[] = [];
  readonly pings: PingFrame[] = [];
  readonly disconnects: string[] = [];
  /** Frames that failed the shared schema: a protocol defect of the hub. */
  readonly badFrames: unknown[] = [];
  readonly ackErrors: string[] = [];
  autoAck: boolean;
  answerPings: boolean;

  private constructor(opts: TestClientOptions) {
    this.instanceId = opts.instanceId ?? makeInstanceId(`u${randomBytes(4).toString("hex")}`);
    this.secret = opts.secret ?? makeSecret();
    this.autoAck = opts.autoAck ?? true;
    this.answerPings = opts.answerPings ?? true;
    const auth: PluginAuth = {
      key: opts.key ?? PLUGIN_KEY,
      protocolVersion: PROTOCOL_VERSION,
      instanceId: this.instanceId,
      secret: this.secret,
      ...(opts.role !== undefined ? { role: opts.role } : {}),
      ...(opts.migrateFrom !== undefined ? { migrateFrom: opts.migrateFrom } : {}),
    };
    this.socket = io(`${opts.url}${NAMESPACES.plugin}`, {
      transports: ["websocket"],
      autoConnect: false,
      forceNew: true,
      reconnection: opts.reconnection ?? true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      timeout: 5000,
      auth: (opts.rawAuth ?? auth) as Record<string, unknown>,
    });
    this.socket.on("welcome", (w: unknown) => {
      const parsed = WelcomeSchema.safeParse(w);
      if (parsed.success) {
        this.welcomes.push(parsed.data);
        this.welcomeTimes.push(Date.now());
      } else this.badFrames.push({ event: "welcome", frame: w, issues: parsed.error.issues });
    });
    this.socket.on("messages", (f: unknown) => this.onMessages(f));
    this.socket.on("notice", (n: Notice) => this.notices.push(n));
    this.socket.on("ping", (p: PingFrame, cb?: (res: { ok: true }) => void) => {
      this.pings.push(p);
      if (this.answerPings && typeof cb === "function") cb({ ok: true });
    });
    this.socket.on("disconnect", (reason: string) => this.disconnects.push(reason));
    const onConnect = opts.onConnect;
    if (onConnect) this.socket.on("connect", () => onConnect(this));
  }

  /** Connects and resolves on the hub's `welcome`; rejects with ConnectError on connect_error. */
  static async connect(opts: TestClientOptions): Promise<TestClient> {
    const client = new TestClient(opts);
    await client.open(opts.connectTimeoutMs ?? 10_000);
    return client;
  }

  /** Connects expecting refusal; returns `err.data` of the connect_error (the ErrorBody). */
  static async connectError(opts: TestClientOptions): Promise<unknown> {
    const client = new TestClient({ ...opts, reconnection: false });
    try {
      await client.open(opts.connectTimeoutMs ?? 10_000);
    } catch (err) {
      if (err instanceof ConnectError) return err.data;
      throw err;
    } finally {
      client.close();
    }
    throw new Error("handshake was accepted, expected connect_error");
  }

  private open(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no welcome within ${timeoutMs} ms for ${this.instanceId}`));
      }, timeoutMs);
      const onWelcome = (): void => {
        cleanup();
        resolve();
      };
      const onError = (err: Error & { data?: unknown }): void => {
        cleanup();
        reject(new ConnectError(err.message, err.data));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.socket.off("welcome", onWelcome);
        this.socket.off("connect_error", onError);
      };
      this.socket.on("welcome", onWelcome);
      this.socket.on("connect_error", onError);
      this.socket.connect();
    });
  }

  private onMessages(f: unknown): void {
    const parsed = MessagesFrameSchema.safeParse(f);
    if (!parsed.success) {
      this.badFrames.push({ event: "messages", frame: f, issues: parsed.error.issues });
      return;
    }
    const at = Date.now();
    for (const message of parsed.data.messages) {
      this.deliveries.push({ message, requiresAck: parsed.data.requiresAck, at });
    }
    if (this.autoAck && parsed.data.requiresAck && parsed.data.messages.length > 0) {
      this.ack(parsed.data.messages.map((m) => m.id)).catch((err: unknown) =>
        this.ackErrors.push(String(err)),
      );
    }
  }

  get welcome(): Welcome {
    const w = this.welcomes.at(-1);
    if (!w) throw new Error(`${this.instanceId} has no welcome`);
    return w;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** A typed request; the reply's envelope is checked against the shared Reply shape. */
  async request<E extends PluginEvent>(
    event: E,
    payload: RequestOf<E>,
    timeoutMs = 10_000,
  ): Promise<Reply<DataOf<E>>> {
    const raw = await this.emitRaw(event, [payload], timeoutMs);
    const parsed = EnvelopeSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`reply to ${event} is not a Reply: ${JSON.stringify(raw)} (${parsed.error.message})`);
    }
    return parsed.data as Reply<DataOf<E>>;
  }

  /** Like request, but fails the test unless the reply is ok; returns its data. */
  async ok<E extends PluginEvent>(event: E, payload: RequestOf<E>, timeoutMs = 10_000): Promise<DataOf<E>> {
    const reply = await this.request(event, payload, timeoutMs);
    if (!reply.ok)
      throw new Error(`${event} ${JSON.stringify(payload)} failed: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }

  /** Any event name and arguments, for malformed frames; resolves with the ack's first argument. */
  emitRaw(event: string, args: unknown[], timeoutMs = 10_000): Promise<unknown> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, ...args);
  }

  /** An event without an ack callback (which a well-behaved plugin never sends). */
  emitNoAck(event: string, ...args: unknown[]): void {
    this.socket.emit(event, ...args);
  }

  async ack(messageIds: string[]): Promise<number> {
    const data = await this.ok("ack", { messageIds });
    return data.acked;
  }

  /** Send a direct message; returns the reply so tests can check both outcomes. */
  send(to: string, content: string, extra: Partial<RequestOf<"send_message">> = {}) {
    return this.request("send_message", { to, type: "task", content, ...extra });
  }

  messagesWith(predicate: (m: Message) => boolean): Delivery[] {
    return this.deliveries.filter((d) => predicate(d.message));
  }

  uniqueIds(): Set<string> {
    return new Set(this.deliveries.map((d) => d.message.id));
  }

  /** Message ids in the order each was first delivered. */
  firstDeliveryOrder(): Message[] {
    const seen = new Set<string>();
    const out: Message[] = [];
    for (const d of this.deliveries) {
      if (seen.has(d.message.id)) continue;
      seen.add(d.message.id);
      out.push(d.message);
    }
    return out;
  }

  waitForDelivery(
    predicate: (m: Message) => boolean,
    timeoutMs = 5000,
    what = "a message",
  ): Promise<Delivery> {
    return waitUntil(() => this.deliveries.some((d) => predicate(d.message)), timeoutMs, what).then(
      () => this.deliveries.find((d) => predicate(d.message))!,
    );
  }

  waitForWelcomes(count: number, timeoutMs = 10_000): Promise<void> {
    return waitUntil(
      () => this.welcomes.length >= count,
      timeoutMs,
      `${count} welcomes to ${this.instanceId}`,
    );
  }

  /** Closes the transport under socket.io-client so it reconnects by itself, as after a blip. */
  dropTransport(): void {
    this.socket.io.engine?.close();
  }

  close(): void {
    this.socket.disconnect();
  }
}

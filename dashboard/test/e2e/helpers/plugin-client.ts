import { randomBytes, randomUUID } from "node:crypto";
import {
  type Message,
  type MessagesFrame,
  NAMESPACES,
  type PluginClientToServerEvents,
  type PluginServerToClientEvents,
  PROTOCOL_VERSION,
  type Reply,
  type SendResult,
} from "@cc2cc/shared";
import { io, type Socket } from "socket.io-client";
import { PLUGIN_KEY } from "./processes";

/**
 * A real plugin connection (socket.io-client on `/plugin`), acking what it is handed unless
 * told not to, as the MCP plugin does once Claude Code has a message.
 */
export class PluginClient {
  readonly received: Message[] = [];
  private constructor(
    readonly id: string,
    readonly socket: Socket<PluginServerToClientEvents, PluginClientToServerEvents>,
  ) {}

  static async connect(
    url: string,
    user: string,
    opts: { project?: string; autoAck?: boolean; role?: string } = {},
  ): Promise<PluginClient> {
    const id = `${user}@e2e-host:${opts.project ?? "webapp"}/${randomUUID()}`;
    const socket: Socket<PluginServerToClientEvents, PluginClientToServerEvents> = io(
      `${url}${NAMESPACES.plugin}`,
      {
        transports: ["websocket"],
        auth: {
          key: PLUGIN_KEY,
          protocolVersion: PROTOCOL_VERSION,
          instanceId: id,
          secret: randomBytes(16).toString("hex"),
          ...(opts.role ? { role: opts.role } : {}),
        },
      },
    );
    const client = new PluginClient(id, socket);
    socket.on("messages", (frame: MessagesFrame) => {
      client.received.push(...frame.messages);
      if (frame.requiresAck && opts.autoAck !== false) {
        socket.emit("ack", { messageIds: frame.messages.map((m) => m.id) }, () => {});
      }
    });
    socket.on("ping", (_p, ack) => ack({ ok: true }));
    await new Promise<void>((resolve, reject) => {
      socket.once("welcome", () => resolve());
      socket.once("connect_error", reject);
    });
    return client;
  }

  /**
   * Drops the connection and opens it again as the same instance (same id and secret), as a
   * plugin does after a crash: what it held unacknowledged is handed out again.
   */
  async reconnect(): Promise<void> {
    this.socket.disconnect();
    const welcomed = new Promise<void>((resolve, reject) => {
      this.socket.once("welcome", () => resolve());
      this.socket.once("connect_error", reject);
    });
    this.socket.connect();
    await welcomed;
  }

  ack(messageIds: string[]): Promise<unknown> {
    return new Promise((resolve) => this.socket.emit("ack", { messageIds }, resolve));
  }

  send(req: Parameters<PluginClientToServerEvents["send_message"]>[0]): Promise<SendResult> {
    return this.request("send_message", req);
  }

  publish(req: Parameters<PluginClientToServerEvents["publish_topic"]>[0]): Promise<SendResult> {
    return this.request("publish_topic", req);
  }

  subscribe(topic: string): Promise<unknown> {
    return this.request("subscribe_topic", { topic });
  }

  private request<T>(event: "send_message" | "publish_topic" | "subscribe_topic", req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const cb = (r: Reply<T>) =>
        r.ok ? resolve(r.data) : reject(new Error(`${r.error.code}: ${r.error.message}`));
      (this.socket.emit as (e: string, p: unknown, cb: (r: Reply<T>) => void) => void)(event, req, cb);
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

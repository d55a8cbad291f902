import { type HubEvent, HubEventSchema, NAMESPACES, PROTOCOL_VERSION } from "@cc2cc/shared";
import { io, type Socket } from "socket.io-client";
import { waitUntil } from "../helpers/test-client.js";

/** A dashboard on `/dashboard`: it only listens to `hub_event`, checked against the schema. */
export class DashboardClient {
  readonly events: HubEvent[] = [];
  readonly badEvents: unknown[] = [];

  private constructor(readonly socket: Socket) {
    socket.on("hub_event", (e: unknown) => {
      const parsed = HubEventSchema.safeParse(e);
      if (parsed.success) this.events.push(parsed.data);
      else this.badEvents.push(e);
    });
  }

  /** Resolves once connected; rejects with the connect_error's `data` (the ErrorBody). */
  static connect(url: string, key: string): Promise<DashboardClient> {
    const socket = io(`${url}${NAMESPACES.dashboard}`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { key, protocolVersion: PROTOCOL_VERSION },
    });
    const client = new DashboardClient(socket);
    return new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(client));
      socket.once("connect_error", (err: Error & { data?: unknown }) => {
        socket.close();
        reject(Object.assign(new Error(err.message), { data: err.data }));
      });
    });
  }

  async waitFor(predicate: (e: HubEvent) => boolean, what: string, timeoutMs = 5000): Promise<HubEvent> {
    await waitUntil(() => this.events.some(predicate), timeoutMs, what);
    return this.events.find(predicate)!;
  }

  close(): void {
    this.socket.close();
  }
}

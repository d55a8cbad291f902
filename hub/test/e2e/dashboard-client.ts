import { type HubEvent, HubEventSchema, NAMESPACES, PROTOCOL_VERSION } from "@cc2cc/shared";
import { io, type Socket } from "socket.io-client";
import { waitUntil } from "../helpers/test-client.js";

/**
 * A dashboard on `/dashboard`: it only listens to `hub_events` (arrays), each event checked
 * against the schema; `batches` counts the arrays, so a test can see that events travel together.
 */
export class DashboardClient {
  readonly events: HubEvent[] = [];
  readonly badEvents: unknown[] = [];
  batches = 0;
  private readonly arrayOf = new WeakMap<HubEvent, number>();

  private constructor(readonly socket: Socket) {
    socket.on("hub_events", (batch: unknown) => {
      this.batches++;
      if (!Array.isArray(batch)) {
        this.badEvents.push(batch);
        return;
      }
      for (const e of batch) {
        const parsed = HubEventSchema.safeParse(e);
        if (parsed.success) {
          this.events.push(parsed.data);
          this.arrayOf.set(parsed.data, this.batches);
        } else this.badEvents.push(e);
      }
    });
    // The single-event form is gone; anything arriving on it is a regression.
    socket.on("hub_event", (e: unknown) => this.badEvents.push({ singleEvent: e }));
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

  /** Which `hub_events` array (1, 2, ...) brought this event. */
  batchOf(e: HubEvent): number | undefined {
    return this.arrayOf.get(e);
  }

  async waitFor(predicate: (e: HubEvent) => boolean, what: string, timeoutMs = 5000): Promise<HubEvent> {
    await waitUntil(() => this.events.some(predicate), timeoutMs, what);
    return this.events.find(predicate)!;
  }

  close(): void {
    this.socket.close();
  }
}

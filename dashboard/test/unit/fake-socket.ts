import type { DashboardSocket } from "../../src/composables/use-connection";

type Handler = (...args: unknown[]) => void;

/** Just enough of a socket.io client socket to drive the connection composable. */
export class FakeSocket {
  readonly handlers = new Map<string, Handler[]>();
  connected = false;
  active = true;
  connects = 0;
  disconnected = false;

  on(event: string, fn: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  }
  emitLocal(event: string, ...args: unknown[]): void {
    if (event === "connect") this.connected = true;
    if (event === "disconnect") this.connected = false;
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }
  connect(): this {
    this.connects++;
    return this;
  }
  disconnect(): this {
    this.disconnected = true;
    this.connected = false;
    return this;
  }
  removeAllListeners(): this {
    this.handlers.clear();
    return this;
  }
  asSocket(): DashboardSocket {
    return this as unknown as DashboardSocket;
  }
}

import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./ports.js";

/**
 * A loopback TCP proxy standing in for the LAN ingress: each new connection goes to the first
 * backend that accepts it, so when a replica dies, reconnecting clients land on another one.
 * A backend's death closes the connections it carried, as an ingress would.
 */
export class FailoverProxy {
  private constructor(
    readonly port: number,
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
  ) {}

  static async start(backendPorts: () => number[]): Promise<FailoverProxy> {
    const port = await freePort();
    const sockets = new Set<Socket>();
    const track = (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    };
    const server = createServer((client) => {
      track(client);
      client.pause();
      client.on("error", () => client.destroy());
      const tryBackend = (candidates: number[]) => {
        const [next, ...rest] = candidates;
        if (next === undefined || client.destroyed) {
          client.destroy();
          return;
        }
        let connected = false;
        const upstream = connect(next, "127.0.0.1");
        track(upstream);
        upstream.on("error", () => {
          upstream.destroy();
          if (!connected) tryBackend(rest);
        });
        upstream.once("connect", () => {
          connected = true;
          upstream.on("close", () => client.destroy());
          client.on("close", () => upstream.destroy());
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
      };
      tryBackend(backendPorts());
    });
    await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
    return new FailoverProxy(port, server, sockets);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

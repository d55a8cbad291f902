import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/**
 * A TCP stand-in for the LAN ingress: each new connection goes to the first backend (in the
 * given order) that accepts it. When a replica dies its connections drop, socket.io-client
 * reconnects to the same URL, and the ingress hands it to the next live replica, exactly what
 * a plugin sees behind Kubernetes.
 */
export class Ingress {
  /** Which backend port each accepted connection went to, in order. */
  readonly routed: number[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: readonly number[],
  ) {}

  static async start(backends: readonly number[]): Promise<Ingress> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const ingress = new Ingress(server, port, backends);
    server.on("connection", (client) => ingress.accept(client));
    return ingress;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.pause();
    client.on("error", () => client.destroy());
    client.on("close", () => this.sockets.delete(client));
    this.tryBackend(client, 0);
  }

  private tryBackend(client: Socket, index: number): void {
    const port = this.backends[index];
    if (port === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(port, "127.0.0.1");
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      this.sockets.add(upstream);
      this.routed.push(port);
      upstream.on("close", () => {
        this.sockets.delete(upstream);
        client.destroy();
      });
      client.on("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", () => {
      upstream.destroy();
      if (!connected) this.tryBackend(client, index + 1);
      else client.destroy();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

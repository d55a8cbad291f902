import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/**
 * A loopback TCP stand-in for the LAN ingress that spreads new connections round-robin over
 * the backends and skips the ones that refuse (a killed replica), as a Kubernetes Service does
 * once the dead pod's endpoint is gone. `cutAll` destroys every piped connection at once: a
 * network cut in the middle of whatever frame was on the wire.
 */
export class RoundRobinIngress {
  /** Backend port of each accepted connection, in order. */
  readonly routed: number[] = [];
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly server: Server;
  private readonly backends: readonly number[];
  private next = 0;
  readonly port: number;

  private constructor(server: Server, port: number, backends: readonly number[]) {
    this.server = server;
    this.port = port;
    this.backends = backends;
  }

  static async start(backends: readonly number[]): Promise<RoundRobinIngress> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const ingress = new RoundRobinIngress(server, port, backends);
    server.on("connection", (client) => ingress.accept(client));
    return ingress;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get open(): number {
    return this.pairs.size;
  }

  private accept(client: Socket): void {
    client.pause();
    client.on("error", () => client.destroy());
    const start = this.next;
    this.next = (this.next + 1) % this.backends.length;
    this.tryBackend(client, start, 0);
  }

  private tryBackend(client: Socket, start: number, attempt: number): void {
    if (attempt >= this.backends.length || client.destroyed) {
      client.destroy();
      return;
    }
    const port = this.backends[(start + attempt) % this.backends.length]!;
    const upstream = tcpConnect(port, "127.0.0.1");
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      const pair = { client, upstream };
      this.pairs.add(pair);
      this.routed.push(port);
      const drop = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      upstream.on("close", drop);
      client.on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", () => {
      upstream.destroy();
      if (!connected) this.tryBackend(client, start, attempt + 1);
    });
  }

  /** Abruptly drops every connection (RST where possible); clients reconnect through here. */
  cutAll(): number {
    const n = this.pairs.size;
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
    return n;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

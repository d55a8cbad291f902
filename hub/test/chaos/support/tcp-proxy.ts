import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * A loopback TCP relay between one replica and Redis that can be partitioned: while
 * partitioned, bytes in both directions are held (not refused, not reset), as when a switch
 * drops packets and TCP keeps retransmitting; new connections hang the same way. `heal`
 * releases everything that was held, in order.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private partitioned = false;
  private readonly held: Socket[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: number,
  ) {}

  static async start(target: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    const proxy = new TcpProxy(server, typeof addr === "object" && addr ? addr.port : 0, target);
    server.on("connection", (c) => proxy.accept(c));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    client.on("error", () => client.destroy());
    if (this.partitioned) {
      client.pause();
      this.held.push(client);
      return;
    }
    this.link(client);
  }

  private link(client: Socket): void {
    const upstream = tcpConnect(this.target, "127.0.0.1");
    const link = { client, upstream };
    this.links.add(link);
    const drop = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", drop);
    upstream.on("close", drop);
    client.on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Stop moving bytes both ways; connections stay open. */
  partition(): void {
    this.partitioned = true;
    for (const { client, upstream } of this.links) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  heal(): void {
    this.partitioned = false;
    for (const { client, upstream } of this.links) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    for (const c of this.held.splice(0)) {
      if (!c.destroyed) this.link(c);
    }
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    for (const c of this.held) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

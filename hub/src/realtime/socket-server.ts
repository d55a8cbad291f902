import type { Server as HttpServer } from "node:http";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import type { Redis } from "ioredis";
import { Server } from "socket.io";
import type { HubConfig } from "../config.js";
import type { DashboardNamespace, InterServerEvents, PluginNamespace } from "./socket-types.js";

export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

type AdapterClients = { pub: Redis; sub: Redis };

/**
 * classic: PUBLISH on one pattern-subscribed channel per namespace; every replica decodes every
 * cross-replica emit. sharded (Redis 7+): SPUBLISH, and a channel per room (SSUBSCRIBE on each
 * room a replica creates), so a room emit reaches only the replicas that hold that room.
 */
function adapterFor(config: HubConfig, clients: AdapterClients) {
  return config.socketAdapter === "sharded"
    ? createShardedAdapter(clients.pub, clients.sub, { channelPrefix: `${config.redisPrefix}sio` })
    : createAdapter(clients.pub, clients.sub, { key: `${config.redisPrefix}sio` });
}

/**
 * socket.io on the hub's HTTP server. WebSocket only, so no sticky sessions are needed behind
 * the ingress; with Redis, the adapter carries rooms and server-side events between replicas.
 */
export function createSocketServer(
  http: HttpServer,
  config: HubConfig,
  adapterClients: AdapterClients | undefined,
): { io: Server; plugin: PluginNamespace; dashboard: DashboardNamespace } {
  const io = new Server<Record<string, never>, Record<string, never>, InterServerEvents>(http, {
    transports: ["websocket"],
    // Content is bounded by CC2CC_MAX_CONTENT_BYTES; leave room for the envelope and metadata.
    maxHttpBufferSize: config.maxContentBytes * 2 + 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
    serveClient: false,
    // Browsers do not apply CORS to WebSockets, so the Origin is checked here: none (plugins,
    // scripts), the hub's own (the served dashboard), or one of CC2CC_CORS_ORIGINS.
    allowRequest: (req, callback) =>
      callback(null, originAllowed(req.headers.origin, req.headers.host, config.corsOrigins)),
    cors:
      config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: false } : { origin: false },
    ...(adapterClients ? { adapter: adapterFor(config, adapterClients) } : {}),
  });
  // The upgrade request would otherwise live as long as the connection. Nothing needs it after
  // this point: allowRequest has checked the Origin, the auth the hub reads arrives in the
  // namespace CONNECT packet, and socket.io 4.8 builds `handshake` without it (headers {}).
  // During a WebSocket upgrade engine.io also makes a response object that keeps the request,
  // and a 'close' listener on the TCP socket keeps that object for the connection's whole life
  // (about 3 KiB each: the request's properties, raw headers, query, stream state). The
  // response is only used while the upgrade is answered, so it lets go of the request after.
  const upgrades = new WeakMap<object, { req: unknown }>();
  io.engine.use((req: object, res: { req: unknown }, next: () => void) => {
    upgrades.set(req, res);
    next();
  });
  io.engine.on("connection", (raw: { request: object | null }) => {
    const res = raw.request && upgrades.get(raw.request);
    if (res) res.req = null;
    raw.request = null;
  });
  // Nothing lives on the main namespace; refuse it rather than hold idle keyless sockets.
  io.of("/").use((_socket, next) =>
    next(
      Object.assign(new Error("use the /plugin or /dashboard namespace"), { data: { code: "NOT_FOUND" } }),
    ),
  );
  return {
    io: io as unknown as Server,
    plugin: io.of("/plugin") as unknown as PluginNamespace,
    dashboard: io.of("/dashboard") as unknown as DashboardNamespace,
  };
}

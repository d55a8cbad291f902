import {
  type DashboardClientToServerEvents,
  type DashboardServerToClientEvents,
  type ErrorBody,
  type HubEvent,
  NAMESPACES,
  PROTOCOL_VERSION,
} from "@cc2cc/shared";
import { io, type Socket } from "socket.io-client";
import { type Ref, readonly, ref } from "vue";
import { createFrameBatcher } from "../lib/frame-batcher";

export type DashboardSocket = Socket<DashboardServerToClientEvents, DashboardClientToServerEvents>;
export type ConnectionState = "idle" | "connecting" | "live" | "reconnecting";

/** Handshake refusals that retrying with the same key cannot fix. */
const FATAL = new Set(["UNAUTHORIZED", "FORBIDDEN", "PROTOCOL_MISMATCH"]);

export interface Connection {
  readonly state: Readonly<Ref<ConnectionState>>;
  /** Why the last attempt failed, for the banner. */
  readonly lastError: Readonly<Ref<string | null>>;
  readonly attempts: Readonly<Ref<number>>;
  open(key: string): void;
  close(): void;
  /** Events, batched per animation frame. */
  onEvents(fn: (batch: HubEvent[]) => void): () => void;
  /** Called after a lost connection came back (not on the first connect). */
  onResume(fn: () => void): () => void;
}

export type SocketFactory = (key: string) => DashboardSocket;

export const defaultSocketFactory: SocketFactory = (key) =>
  io(NAMESPACES.dashboard, {
    path: "/socket.io",
    transports: ["websocket"],
    auth: { key, protocolVersion: PROTOCOL_VERSION },
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

/**
 * The `/dashboard` socket. socket.io-client reconnects by itself after a transport loss; after a
 * server-side close or a refused handshake that may succeed later (SHUTTING_DOWN, an engine
 * outage) it would not, so this reconnects itself. A refused key stops and calls `onRefused`.
 */
export function createConnection(opts: {
  factory?: SocketFactory;
  onRefused: (error: ErrorBody) => void;
}): Connection {
  const state = ref<ConnectionState>("idle");
  const lastError = ref<string | null>(null);
  const attempts = ref(0);
  const listeners = new Set<(batch: HubEvent[]) => void>();
  const resumers = new Set<() => void>();
  const batcher = createFrameBatcher<HubEvent>((batch) => {
    for (const fn of listeners) fn(batch);
  });
  let socket: DashboardSocket | null = null;
  let everConnected = false;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const retryLater = (s: DashboardSocket) => {
    if (retry !== null) return;
    retry = setTimeout(
      () => {
        retry = null;
        if (socket === s && !s.connected) s.connect();
      },
      Math.min(5000, 500 * 2 ** Math.min(attempts.value, 4)),
    );
  };

  function close(): void {
    if (retry !== null) clearTimeout(retry);
    retry = null;
    socket?.removeAllListeners();
    socket?.disconnect();
    socket = null;
    everConnected = false;
    batcher.dispose();
    state.value = "idle";
  }

  function open(key: string): void {
    close();
    const s = (opts.factory ?? defaultSocketFactory)(key);
    socket = s;
    state.value = "connecting";
    s.on("connect", () => {
      state.value = "live";
      attempts.value = 0;
      lastError.value = null;
      if (everConnected) for (const fn of resumers) fn();
      everConnected = true;
    });
    s.on("disconnect", (reason) => {
      state.value = "reconnecting";
      lastError.value = reason;
      if (reason === "io server disconnect") retryLater(s);
    });
    s.on("connect_error", (err: Error & { data?: ErrorBody }) => {
      attempts.value++;
      const body = err.data;
      if (body && FATAL.has(body.code)) {
        close();
        opts.onRefused(body);
        return;
      }
      lastError.value = body?.message ?? err.message;
      state.value = everConnected ? "reconnecting" : "connecting";
      if (!s.active) retryLater(s);
    });
    // Each replica sends its events in arrays, a few per second; frames still set the pace here.
    s.on("hub_events", (events) => {
      if (Array.isArray(events)) batcher.pushAll(events);
    });
  }

  return {
    state: readonly(state),
    lastError: readonly(lastError),
    attempts: readonly(attempts),
    open,
    close,
    onEvents(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onResume(fn) {
      resumers.add(fn);
      return () => resumers.delete(fn);
    },
  };
}

// A plugin process as the hub sees it: one socket.io client on /plugin that writes every
// delivery to stdout (a JSON line) and acks it only after the write went out, some time later,
// as the real plugin acks after Claude Code has the message. The parent kills it with -9.
// Run by Node directly (types stripped), so it imports packages only.
import { io } from "socket.io-client";

const url = process.env.CHAOS_URL ?? "";
const ackDelayMs = Number(process.env.CHAOS_ACK_DELAY_MS ?? "0");

interface Frame {
  messages: Array<{ id: string; metadata?: Record<string, unknown> }>;
  requiresAck: boolean;
}

function out(line: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(line)}\n`, () => resolve()));
}

const socket = io(`${url}/plugin`, {
  transports: ["websocket"],
  reconnectionDelay: 100,
  reconnectionDelayMax: 500,
  auth: {
    key: process.env.CHAOS_KEY,
    protocolVersion: 1,
    instanceId: process.env.CHAOS_ID,
    secret: process.env.CHAOS_SECRET,
  },
});

socket.on(
  "welcome",
  (w: { replica: string }) => void out({ t: "welcome", replica: w.replica, at: Date.now() }),
);
socket.on(
  "connect_error",
  (err: Error & { data?: unknown }) => void out({ t: "connect_error", data: err.data ?? err.message }),
);
socket.on("disconnect", (reason: string) => {
  void out({ t: "disconnect", reason });
  if (reason === "io server disconnect") setTimeout(() => socket.connect(), 200);
});
socket.on("notice", (n: unknown) => void out({ t: "notice", notice: n }));
socket.on("ping", (_p: unknown, cb?: (r: { ok: true }) => void) => cb?.({ ok: true }));
// Frames are handled one after another, so the log keeps the order they arrived in.
let chain = Promise.resolve();
socket.on("messages", (frame: Frame) => {
  chain = chain.then(() => handle(frame));
});

async function handle(frame: Frame): Promise<void> {
  for (const m of frame.messages) {
    await out({ t: "msg", id: m.id, key: m.metadata?.chaosKey, at: Date.now() });
  }
  if (!frame.requiresAck || frame.messages.length === 0) return;
  const ids = frame.messages.map((m) => m.id);
  setTimeout(() => {
    void out({ t: "ack_sent", ids });
    socket
      .timeout(5000)
      .emitWithAck("ack", { messageIds: ids })
      .then(
        (r: { ok: boolean }) => void out({ t: "acked", ids, ok: r.ok }),
        () => void out({ t: "ack_lost", n: ids.length }),
      );
  }, ackDelayMs);
}

process.stdin.on("end", () => {
  socket.close();
  setTimeout(() => process.exit(0), 50);
});
process.stdin.resume();

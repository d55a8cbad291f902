// Many plugin connections in one process, for the reconnect storm. Commands arrive as JSON lines
// on stdin (connect, disconnect, reconnect, drop, report); events go out as JSON lines on stdout.
// Every client acks what it gets at once and keeps every delivery, duplicates included.
import { io, type Socket } from "socket.io-client";

const urls = (process.env.CHAOS_URLS ?? "").split(",");
const count = Number(process.env.CHAOS_COUNT ?? "0");
const prefix = process.env.CHAOS_PREFIX ?? "p";
const offset = Number(process.env.CHAOS_OFFSET ?? "0");

interface Member {
  instanceId: string;
  socket: Socket;
  welcomes: number;
  seen: Array<[string, string]>;
  refusals: number;
}

function out(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const members: Member[] = [];
for (let i = 0; i < count; i++) {
  const n = offset + i;
  const instanceId = `storm${n}@chaos-host:storm/${prefix}-${n}`;
  const socket = io(`${urls[n % urls.length]}/plugin`, {
    transports: ["websocket"],
    autoConnect: false,
    forceNew: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 2000,
    randomizationFactor: 0.5,
    timeout: 20_000,
    auth: {
      key: process.env.CHAOS_KEY,
      protocolVersion: 1,
      instanceId,
      secret: `${prefix}-secret-${n}-0123456789abcdef`,
    },
  });
  const m: Member = { instanceId, socket, welcomes: 0, seen: [], refusals: 0 };
  socket.on("welcome", () => {
    m.welcomes++;
  });
  socket.on(
    "messages",
    (f: { messages: Array<{ id: string; metadata?: { chaosKey?: string } }>; requiresAck: boolean }) => {
      for (const msg of f.messages) m.seen.push([msg.id, msg.metadata?.chaosKey ?? ""]);
      if (f.requiresAck && f.messages.length > 0) {
        socket.emit("ack", { messageIds: f.messages.map((x) => x.id) }, () => {});
      }
    },
  );
  // A refused handshake (ENGINE_UNAVAILABLE, SHUTTING_DOWN) is not retried by socket.io itself.
  socket.on("connect_error", () => {
    m.refusals++;
    if (!socket.active) setTimeout(() => socket.connect(), 300 + Math.random() * 700);
  });
  socket.on("disconnect", (reason: string) => {
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 300);
  });
  members.push(m);
}

/** Reports, with the time it took, once every member got a welcome after `before`. */
function awaitWelcomes(before: readonly number[], event: string, started: number): void {
  const timer = setInterval(() => {
    const done = members.filter((m, i) => m.welcomes > before[i]!).length;
    if (done === members.length) {
      clearInterval(timer);
      out({ t: event, ms: Date.now() - started, refusals: members.reduce((a, m) => a + m.refusals, 0) });
    }
  }, 20);
}

setInterval(() => {
  out({
    t: "progress",
    connected: members.filter((m) => m.socket.connected).length,
    seen: members.reduce((a, m) => a + new Set(m.seen.map((s) => s[0])).size, 0),
  });
}, 500).unref();

let buffer = "";
process.stdin.on("data", (chunk: Buffer) => {
  buffer += chunk.toString("utf8");
  let nl = buffer.indexOf("\n");
  while (nl >= 0) {
    const cmd = JSON.parse(buffer.slice(0, nl)) as { cmd: string };
    buffer = buffer.slice(nl + 1);
    run(cmd.cmd);
    nl = buffer.indexOf("\n");
  }
});
process.stdin.on("end", () => {
  for (const m of members) m.socket.disconnect();
  setTimeout(() => process.exit(0), 100);
});

function run(cmd: string): void {
  const started = Date.now();
  const before = members.map((m) => m.welcomes);
  switch (cmd) {
    case "connect":
    case "reconnect":
      for (const m of members) m.socket.connect();
      awaitWelcomes(before, cmd === "connect" ? "connected" : "reconnected", started);
      break;
    case "disconnect":
      for (const m of members) m.socket.disconnect();
      out({ t: "disconnected" });
      break;
    case "drop":
      // The transport closes under socket.io-client, which reconnects by itself: a network blip.
      for (const m of members) m.socket.io.engine?.close();
      awaitWelcomes(before, "dropped", started);
      break;
    case "report":
      out({ t: "report", seen: Object.fromEntries(members.map((m) => [m.instanceId, m.seen])) });
      break;
  }
}

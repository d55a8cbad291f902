// One fuzz worker. CHAOS_MODE "sio" sends generated frames through socket.io-client (pipelined,
// paced under the hub's frame rate); "raw" speaks engine.io/socket.io by hand over a bare
// WebSocket and sends packets no library would, one at a time, watching what each one gets.
// Prints {t:"progress"} every second and {t:"report"} at the end.
import { AckRequestSchema, ERROR_CODES } from "@cc2cc/shared";
import { io } from "socket.io-client";
import { type RawFrame, rawFrame, sioFrame } from "../support/fuzz-gen.js";
import { Rng } from "../support/random.js";
import { HandshakeRefused, RawSio } from "../support/raw-sio.js";

const env = process.env;
const port = Number(env.CHAOS_PORT);
const total = Number(env.CHAOS_COUNT ?? "1000");
const rng = new Rng(Number(env.CHAOS_SEED ?? "1"));
const maxFrame = Number(env.CHAOS_MAX_FRAME ?? "196608");
const auth = {
  key: env.CHAOS_KEY,
  protocolVersion: 1,
  instanceId: env.CHAOS_ID,
  secret: `${env.CHAOS_ID?.slice(-20)}-fuzz-secret-0123456789`,
};
const codes = new Set<string>(ERROR_CODES);
const counts: Record<string, Record<string, number>> = {};
const samples: Array<Record<string, unknown>> = [];
let sent = 0;

function count(label: string, outcome: string, sample?: Record<string, unknown>): void {
  counts[label] ??= {};
  counts[label][outcome] = (counts[label][outcome] ?? 0) + 1;
  // A few examples of each unexpected outcome, for the failure message.
  if (
    sample &&
    samples.filter((x) => x.label === label && x.outcome === outcome).length < 3 &&
    samples.length < 40
  ) {
    samples.push({ label, outcome, ...sample });
  }
}

/** A reply is fine when it is a Reply: ok with data, or an error with a known code. */
function classify(reply: unknown): string {
  const r = reply as { ok?: unknown; error?: { code?: unknown } } | undefined;
  if (r?.ok === true) return "ok";
  if (r?.ok === false && typeof r.error?.code === "string" && codes.has(r.error.code))
    return `coded:${r.error.code}`;
  return "malformed_reply";
}

const out = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
setInterval(() => out({ t: "progress", sent }), 1000).unref();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Our own deadline on an ack (the connection may also die first: then it never comes). */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function runSio(): Promise<void> {
  const rate = Number(env.CHAOS_RATE ?? "500");
  const inflightMax = Number(env.CHAOS_INFLIGHT ?? "64");
  const socket = io(`http://127.0.0.1:${port}/plugin`, {
    transports: ["websocket"],
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    auth,
  });
  let notices = 0;
  let disconnects = 0;
  socket.on("notice", (n: { code: string }) => {
    notices++;
    count("notice", n.code);
  });
  socket.on("disconnect", (reason: string) => {
    disconnects++;
    count("disconnect", reason);
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 200);
  });
  socket.on("messages", (f: { messages: Array<{ id: string }>; requiresAck: boolean }) => {
    if (f.requiresAck) socket.emit("ack", { messageIds: f.messages.map((m) => m.id) }, () => {});
  });
  socket.on("ping", (_p: unknown, cb?: (r: { ok: true }) => void) => cb?.({ ok: true }));
  let inflight = 0;
  let noAck = 0;
  const started = Date.now();
  while (sent < total) {
    while (!socket.connected || inflight >= inflightMax) await sleep(2);
    // Pace under the per-socket frame rate, so the hub validates instead of rate-limiting.
    const due = started + (sent * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    let f = sioFrame(rng, maxFrame);
    // Junk can add up past the frame cap by accident; over-cap frames have their own test
    // (oversizeBurst), so here every frame fits and any dropped connection is a finding.
    while (Buffer.byteLength(JSON.stringify([f.event, ...f.args])) > maxFrame - 4096)
      f = sioFrame(rng, maxFrame);
    sent++;
    const label = `sio-${f.args.length === 0 ? "no-payload" : f.args.length > 1 ? "extra-args" : "frame"}`;
    if (!f.ack) {
      // A well-formed ack may come without a callback (the hub then answers nothing at all);
      // every other frame without one is answered with a notice.
      const quietAck =
        f.event === "ack" && f.args.length === 1 && AckRequestSchema.safeParse(f.args[0]).success;
      if (!quietAck) noAck++;
      socket.emit(f.event, ...f.args);
      count(label, "sent_without_ack");
      continue;
    }
    inflight++;
    const generation = disconnects;
    withDeadline(socket.emitWithAck(f.event, ...f.args), 5000)
      .then(
        (reply: unknown) => {
          const c = classify(reply);
          count(label, c, c === "malformed_reply" ? { event: f.event, reply } : undefined);
        },
        () => {
          // No frame here is meant to cost the connection: a drop is as unexpected as silence.
          const c = disconnects > generation ? "dropped" : "no_reply";
          count(label, c, { event: f.event, args: JSON.stringify(f.args).slice(0, 200) });
        },
      )
      .finally(() => {
        inflight--;
      });
  }
  while (inflight > 0) await sleep(10);
  await sleep(1500);
  counts["sio-summary"] = { frames_without_ack: noAck, notices, disconnects };
  socket.close();
  await oversizeBurst(Number(env.CHAOS_OVERSIZE ?? "10"));
}

/** Frames one byte over the cap, each on a fresh connection: every one must cost it. */
async function oversizeBurst(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const s = io(`http://127.0.0.1:${port}/plugin`, { transports: ["websocket"], reconnection: false, auth });
    await new Promise<void>((resolve) => s.once("welcome", () => resolve()));
    const reason = new Promise<string>((resolve) => s.once("disconnect", (r: string) => resolve(r)));
    // The encoded packet adds its envelope on top of the content: past the cap either way.
    s.emit("send_message", { to: "x@y:z/w", type: "task", content: "y".repeat(maxFrame) }, () => {});
    sent++;
    const r = await Promise.race([reason, sleep(5000).then(() => "still connected")]);
    count("sio-oversize", r);
    s.close();
  }
}

async function openRaw(): Promise<RawSio> {
  for (;;) {
    try {
      return await RawSio.open(port, auth);
    } catch (err) {
      count(
        "raw-reconnect",
        err instanceof HandshakeRefused ? `refused:${JSON.stringify(err.data)}` : "error",
      );
      await sleep(100);
    }
  }
}

async function outcomeOf(sio: RawSio, f: RawFrame, ackId: number): Promise<string> {
  const noticesBefore = sio.inbox.events.filter((e) => e.name === "notice").length;
  const closed = () => sio.ws.closed;
  if (f.expect === "reply") {
    const args = await sio.waitAck(ackId, 10_000);
    if (args) return classify(args[0]);
    if (closed()) return "close";
    return "no_reply";
  }
  if (f.expect === "refused") {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !closed()) {
      if (sio.ws.messages.slice(-3).some((m) => m.data.toString("utf8").startsWith("44/"))) return "refused";
      await sleep(2);
    }
    return closed() ? "close" : "no_reply";
  }
  // Give a notice or a close up to 3 s to arrive; a benign frame is probed at once.
  const deadline = Date.now() + (f.expect === "benign" ? 0 : 3000);
  while (Date.now() < deadline && !closed()) {
    if (f.expect === "notice" && sio.inbox.events.filter((e) => e.name === "notice").length > noticesBefore)
      return "notice";
    await sleep(5);
  }
  if (closed()) return "close";
  // Still open: does the connection still work, or did the frame wedge it?
  const probe = ackId + 500_000_000;
  sio.ws.text(sio.eventPacket('["whoami",{}]', probe));
  const answered = await sio.waitAck(probe, 5000);
  if (closed()) return "close";
  if (!answered) return "wedged";
  return f.expect === "close" ? "ignored" : "answered";
}

/** The slowest answer per raw frame kind, in ms. */
const slowest: Record<string, number> = {};

async function runRaw(): Promise<void> {
  let sio = await openRaw();
  for (let i = 0; i < total; i++) {
    if (sio.ws.closed) {
      const t0 = Date.now();
      sio = await openRaw();
      slowest.reconnect = Math.max(slowest.reconnect ?? 0, Date.now() - t0);
    }
    const ackId = i + 1;
    const f = rawFrame(rng, "/plugin", ackId, maxFrame);
    for (const fr of f.frames) {
      if (typeof fr === "string") sio.ws.text(fr);
      else sio.ws.sendFrame(fr);
    }
    sent++;
    const t0 = Date.now();
    const o = await outcomeOf(sio, f, ackId);
    slowest[f.label] = Math.max(slowest[f.label] ?? 0, Date.now() - t0);
    const unexpected =
      ["no_reply", "ignored", "wedged", "malformed_reply"].includes(o) ||
      (f.expect === "reply" && o === "close");
    count(`raw-${f.label}`, o, unexpected ? { frame: String(f.frames[0]).slice(0, 160) } : undefined);
  }
  sio.close();
  counts["raw-slowest-ms"] = slowest;
}

const mode = env.CHAOS_MODE ?? "sio";
(mode === "raw" ? runRaw() : runSio()).then(
  () => {
    out({ t: "report", mode, sent, counts, samples });
    setTimeout(() => process.exit(0), 50);
  },
  (err: unknown) => {
    out({ t: "report", mode, sent, counts, samples, error: String(err) });
    setTimeout(() => process.exit(1), 50);
  },
);

// Load generator child of the benchmark (forked by bench.mjs, one per core it may use).
// Holds virtual plugin instances (socket.io-client, one WebSocket each, acknowledging every
// `messages` frame the way the real plugin does) and runs what the parent asks over IPC.
// Every loop here is bounded by a deadline the parent gives.
import { performance } from "node:perf_hooks";
import { hubRequire } from "../lib/procs.mjs";

const { io } = hubRequire("socket.io-client");

/** Wall clock in ms with sub-ms resolution, comparable across processes on one machine. */
const wall = () => performance.timeOrigin + performance.now();

// Acks go without a callback, as the plugin sends them to a hub whose welcome lists
// "ack-without-reply" (the hub writes no reply frame); the throughput phase checks on the hubs'
// own counter that every one was applied. CC2CC_BENCH_ACK_REPLY=1 asks for a reply to each.
const ACK_REPLY = process.env.CC2CC_BENCH_ACK_REPLY === "1";
const clients = new Map(); // instanceId → { socket, onMessages }

function reply(id, body) {
  process.send?.({ id, ...body });
}

function connectOne(spec, timeoutMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = io(`${spec.url}/plugin`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: timeoutMs,
      auth: { key: spec.key, protocolVersion: 1, instanceId: spec.instanceId, secret: spec.secret },
    });
    const entry = { socket, onMessages: null, topicHandler: null };
    let settled = false;
    const done = (ok, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ok, error, ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      socket.close();
      done(false, "timeout");
    }, timeoutMs);
    socket.on("welcome", () => {
      clients.set(spec.instanceId, entry);
      done(true);
    });
    socket.on("connect_error", (err) => done(false, err?.data?.code ?? err?.message ?? "connect_error"));
    socket.on("messages", (frame) => {
      const now = performance.now();
      entry.onMessages?.(frame, now);
      if (frame.requiresAck && frame.messages.length > 0) {
        // With a callback (the plugin's way) the ack counts once the hub confirmed it; without,
        // once it is written, and a failure comes back as a `notice`, counted below.
        const ids = frame.messages.map((m) => m.id);
        if (ACK_REPLY) {
          socket.emit("ack", { messageIds: ids }, (r) =>
            entry.onAcked?.(r, frame.messages, performance.now()),
          );
        } else {
          socket.emit("ack", { messageIds: ids });
          entry.onAcked?.({ ok: true }, frame.messages, performance.now());
        }
      }
    });
    socket.on("notice", (n) => entry.onNotice?.(n));
    socket.on("ping", (_frame, cb) => cb?.({ ok: true }));
    socket.on("disconnect", () => {
      entry.disconnected = true;
    });
  });
}

/** Connect many, at most `concurrency` handshakes at a time. */
async function connect({ specs, concurrency = 50, timeoutMs = 20_000 }) {
  const times = [];
  const errors = {};
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      const r = await connectOne(spec, timeoutMs);
      if (r.ok) times.push(r.ms);
      else errors[r.error] = (errors[r.error] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  return { connected: times.length, errors, seconds: (performance.now() - started) / 1000, times };
}

function request(instanceId, event, payload, timeoutMs = 10_000) {
  const c = clients.get(instanceId);
  if (!c) return Promise.resolve({ ok: false, error: { code: "NOT_CONNECTED" } });
  return new Promise((resolve) => {
    c.socket
      .timeout(timeoutMs)
      .emit(event, payload, (err, r) => resolve(err ? { ok: false, error: { code: "TIMEOUT" } } : r));
  });
}

function content(seq, sentAt, bytes) {
  const head = `${sentAt.toFixed(3)}|${seq}|`;
  return head.length >= bytes ? head : head + "x".repeat(bytes - head.length);
}
const sentAtOf = (text) => Number(text.slice(0, text.indexOf("|")));

/**
 * Direct messages over pairs. mode "closed": each pair keeps `window` messages between send and
 * the recipient's ack confirmed, sending the next as one completes (saturation throughput).
 * mode "open": `rate` msgs/s over this child's pairs on a clock, whatever the hub does
 * (latency at a fixed load). Counts and latencies cover [startAt+warmupMs, +measureMs].
 */
async function direct({
  pairs,
  mode,
  window = 16,
  rate = 0,
  startAt,
  warmupMs,
  measureMs,
  contentBytes = 256,
  drainMs = 3000,
}) {
  const measureFrom = startAt + warmupMs;
  const measureTo = measureFrom + measureMs;
  const stopAt = measureTo; // no new sends after the window
  const out = {
    sent: 0,
    accepted: 0,
    delivered: 0,
    acked: 0,
    completedInWindow: 0,
    deliveredInWindow: 0,
    duplicates: 0,
    errors: {},
    backlogged: 0,
    deliver: [],
    ackedLat: [],
    accept: [],
  };
  const state = pairs.map((p, i) => ({ ...p, i, inflight: 0, seq: 0, seen: new Set(), open: new Set() }));
  const err = (code) => {
    out.errors[code] = (out.errors[code] ?? 0) + 1;
  };
  let stopped = false;

  const send = (s) => {
    const t = wall();
    s.inflight++;
    out.sent++;
    const sender = clients.get(s.sender);
    if (!sender) {
      s.inflight--;
      err("NOT_CONNECTED");
      return;
    }
    sender.socket.emit(
      "send_message",
      { to: s.recipient, type: "task", content: content(s.seq++, t, contentBytes) },
      (r) => {
        if (r?.ok) {
          out.accepted++;
          if (t >= measureFrom && t < measureTo) out.accept.push(wall() - t);
        } else {
          s.inflight--;
          err(r?.error?.code ?? "UNKNOWN");
          if (mode === "closed" && !stopped) setTimeout(() => !stopped && send(s), 50);
        }
      },
    );
  };

  for (const s of state) {
    const c = clients.get(s.recipient);
    if (!c) continue;
    c.onMessages = (frame) => {
      const now = wall();
      for (const m of frame.messages) {
        if (s.seen.has(m.id)) {
          out.duplicates++;
          continue;
        }
        s.seen.add(m.id);
        s.open.add(m.id);
        out.delivered++;
        const t = sentAtOf(m.content);
        if (t >= measureFrom && t < measureTo) out.deliver.push(now - t);
        if (now >= measureFrom && now < measureTo) out.deliveredInWindow++;
      }
    };
    c.onNotice = (n) => err(`notice:${n?.code ?? "UNKNOWN"}`);
    c.onAcked = (r, messages) => {
      const now = wall();
      if (!r?.ok) {
        err(`ack:${r?.error?.code ?? "UNKNOWN"}`);
        return;
      }
      for (const m of messages) {
        if (!s.open.delete(m.id)) continue; // a redelivery acked twice counts once
        out.acked++;
        s.inflight--;
        if (now >= measureFrom && now < measureTo) out.completedInWindow++;
        const t = sentAtOf(m.content);
        if (t >= measureFrom && t < measureTo) out.ackedLat.push(now - t);
        if (mode === "closed" && !stopped && now < stopAt) send(s);
      }
    };
  }

  await new Promise((r) => setTimeout(r, Math.max(0, startAt - wall())));
  if (mode === "closed") {
    for (const s of state) for (let k = 0; k < window; k++) send(s);
    await new Promise((r) => setTimeout(r, Math.max(0, stopAt - wall())));
  } else {
    // Open loop: a 2 ms clock issues whatever is due, round robin over the pairs.
    const perMs = rate / 1000;
    const begin = wall();
    let issued = 0;
    let rr = 0;
    const maxInflight = 1000; // per pair; beyond it the hub is drowning and we say so
    await new Promise((resolve) => {
      const tick = setInterval(() => {
        const now = wall();
        if (now >= stopAt) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor((now - begin) * perMs) - issued;
        for (let k = 0; k < due; k++) {
          const s = state[rr++ % state.length];
          issued++;
          if (s.inflight >= maxInflight) out.backlogged++;
          else send(s);
        }
      }, 2);
    });
  }
  stopped = true;
  // Drain: let what is in flight land (bounded), so the next phase starts clean.
  const drainTo = wall() + drainMs;
  while (wall() < drainTo && state.some((s) => s.inflight > 0)) await new Promise((r) => setTimeout(r, 20));
  out.leftInflight = state.reduce((n, s) => n + s.inflight, 0);
  for (const s of state) {
    const c = clients.get(s.recipient);
    if (c) {
      c.onMessages = null;
      c.onAcked = null;
      c.onNotice = null;
    }
  }
  return out;
}

/** Subscribe many instances to one topic (bounded concurrency). */
async function subscribe({ instanceIds, topic, concurrency = 50 }) {
  let next = 0;
  const errors = {};
  let ok = 0;
  const worker = async () => {
    while (next < instanceIds.length) {
      const r = await request(instanceIds[next++], "subscribe_topic", { topic });
      if (r?.ok) ok++;
      else errors[r?.error?.code ?? "UNKNOWN"] = (errors[r?.error?.code ?? "UNKNOWN"] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, instanceIds.length) }, worker));
  return { subscribed: ok, errors };
}

// Fan-out receipts: token → wall-clock receipt times on this child.
const receipts = new Map();

function listen({ instanceIds, topic }) {
  receipts.clear();
  for (const id of instanceIds) {
    const c = clients.get(id);
    if (!c) continue;
    c.onMessages = (frame) => {
      const now = wall();
      for (const m of frame.messages) {
        if (m.topic !== topic) continue;
        const token = m.content.slice(0, m.content.indexOf("|"));
        let list = receipts.get(token);
        if (!list) {
          list = [];
          receipts.set(token, list);
        }
        list.push(now);
      }
    };
  }
  return { listening: instanceIds.length };
}

async function publish({ instanceId, topic, token, persistent, contentBytes = 256 }) {
  const text = `${token}|`.padEnd(contentBytes, "x");
  const t = wall();
  const r = await request(instanceId, "publish_topic", {
    topic,
    type: "result",
    content: text,
    ...(persistent ? { persistent: true } : {}),
  });
  return { ok: r?.ok === true, error: r?.error?.code, publishedAt: t, replyMs: wall() - t };
}

function collect({ tokens }) {
  const out = {};
  for (const t of tokens) out[t] = receipts.get(t) ?? [];
  return out;
}

async function closeAll() {
  const n = clients.size;
  for (const c of clients.values()) c.socket.close();
  clients.clear();
  return { closed: n };
}

function alive() {
  let n = 0;
  for (const c of clients.values()) if (c.socket.connected && !c.disconnected) n++;
  return { alive: n, held: clients.size, rss: process.memoryUsage().rss };
}

const OPS = { connect, direct, subscribe, listen, publish, collect, closeAll, alive };

process.on("message", async (msg) => {
  const op = OPS[msg.op];
  if (!op) return reply(msg.id, { error: `unknown op ${msg.op}` });
  try {
    reply(msg.id, { result: await op(msg) });
  } catch (err) {
    reply(msg.id, { error: err instanceof Error ? err.stack : String(err) });
  }
});
process.on("disconnect", () => process.exit(0));

// A virtual cc2cc plugin instance for k6: registers in the handshake, waits for `welcome`,
// acknowledges what it receives (one `ack` per `messages` frame, like the real plugin),
// answers hub pings, and reports each delivery to the script.
import { SioClient } from "./sio.js";

// A comma-separated list spreads the instances over several replicas (as an ingress would).
export const HUB_URLS = (__ENV.CC2CC_HUB_URL || "http://127.0.0.1:3100")
  .split(",")
  .map((u) => u.trim())
  .filter((u) => u.length > 0);
export const API_KEY = __ENV.CC2CC_API_KEY || "";
if (API_KEY === "") throw new Error("CC2CC_API_KEY is required (the hub's plugin key)");

let connects = 0;

/** The next replica for a (re)connect, round robin from a per-VU offset. */
export function nextHubUrl() {
  return HUB_URLS[(__VU + connects++) % HUB_URLS.length];
}

function randomHex(n) {
  let s = "";
  while (s.length < n) s += crypto.randomUUID().replace(/-/g, "");
  return s.slice(0, n);
}

/** `k6@<host>:<project>/<session>`, session fresh per start as the real plugin does. */
export function makeInstanceId(project, label) {
  return `k6@loadgen:${project}/${label}-${randomHex(12)}`;
}

export function makeSecret() {
  return randomHex(32);
}

/**
 * opts: instanceId, secret, role?, autoAck (default true), onWelcome(welcome),
 *       onMessages(messages, requiresAck, receivedAt), onAcked(reply, ids),
 *       onConnectError(errorBody), onClose(reason)
 */
export class VirtualPlugin {
  constructor(opts) {
    this.opts = opts;
    this.instanceId = opts.instanceId;
    this.secret = opts.secret ?? makeSecret();
    this.welcomed = false;
    this.closed = false;
    this.connect();
  }

  connect() {
    const o = this.opts;
    this.welcomed = false;
    this.closed = false;
    this.connectStartedAt = Date.now();
    const auth = { key: API_KEY, protocolVersion: 1, instanceId: this.instanceId, secret: this.secret };
    if (o.role) auth.role = o.role;
    this.hubUrl = o.hubUrl ?? nextHubUrl();
    this.client = new SioClient(this.hubUrl, {
      auth,
      tags: o.tags,
      handlers: {
        onConnectError: (data) => o.onConnectError?.(data?.data ?? data),
        onClose: (reason) => {
          this.closed = true;
          o.onClose?.(reason);
        },
        onEvent: (name, payload, ackId) => this.onEvent(name, payload, ackId),
      },
    });
  }

  onEvent(name, payload, ackId) {
    const o = this.opts;
    if (name === "welcome") {
      this.welcomed = true;
      o.onWelcome?.(payload, Date.now() - this.connectStartedAt);
    } else if (name === "messages") {
      const now = Date.now();
      const messages = payload?.messages ?? [];
      o.onMessages?.(messages, payload?.requiresAck === true, now);
      if (payload?.requiresAck && o.autoAck !== false && messages.length > 0) {
        const ids = messages.map((m) => m.id);
        this.client.emit("ack", { messageIds: ids }, (reply) => o.onAcked?.(reply, ids));
      }
    } else if (name === "ping") {
      this.client.answer(ackId, { ok: true });
    } else if (name === "notice") {
      o.onNotice?.(payload);
    }
  }

  request(event, payload, cb) {
    this.client.emit(event, payload, cb);
  }

  close() {
    this.client.close();
  }

  drop() {
    this.client.drop();
  }
}

/** Message content carrying the send time (ms) and a sequence, padded to `size` bytes. */
export function stampedContent(seq, size = 200) {
  const head = `t=${Date.now()};n=${seq};`;
  return size > head.length ? head + "x".repeat(size - head.length) : head;
}

/** The send time a stampedContent carries, or NaN. */
export function sentAt(content) {
  const m = /^t=(\d+);/.exec(content);
  return m ? Number(m[1]) : Number.NaN;
}

// The small part of engine.io v4 and socket.io v5 a cc2cc plugin needs, over k6/websockets.
//
// engine.io packets are text frames whose first character is the type:
//   0 open {sid, pingInterval, pingTimeout, maxPayload}   2 ping (server) → answer 3 pong
//   1 close   4 message (the socket.io packet follows)    6 noop
// socket.io packets inside "4": <type>[<nsp>,][<ackId>][<json>]
//   0 CONNECT     client: 40/plugin,{auth}            server: 40/plugin,{"sid":...}
//   2 EVENT       42/plugin,<ackId>["event",payload]  (ackId only when an answer is wanted)
//   3 ACK         43/plugin,<ackId>[reply]
//   4 CONNECT_ERROR 44/plugin,{"message":...,"data":{code,message}}
//   1 DISCONNECT  41/plugin,
// Binary events (5, 6) never occur on this protocol: every payload is JSON.
import { WebSocket } from "k6/websockets";

/** ws://host:port/socket.io/?EIO=4&transport=websocket from an http(s) base URL. */
export function socketUrl(hubUrl) {
  const base = hubUrl.replace(/\/+$/, "").replace(/^http/, "ws");
  return `${base}/socket.io/?EIO=4&transport=websocket`;
}

/** Splits a socket.io packet (without the engine.io "4"): { type, nsp, id, data }. */
export function parseSioPacket(text) {
  const type = Number(text[0]);
  let i = 1;
  let nsp = "/";
  if (text[i] === "/") {
    const comma = text.indexOf(",", i);
    if (comma === -1) {
      nsp = text.slice(i);
      i = text.length;
    } else {
      nsp = text.slice(i, comma);
      i = comma + 1;
    }
  }
  let j = i;
  while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
  const id = j > i ? Number(text.slice(i, j)) : undefined;
  const rest = text.slice(j);
  return { type, nsp, id, data: rest.length > 0 ? JSON.parse(rest) : undefined };
}

/**
 * One socket.io client on one namespace over one WebSocket.
 *
 * handlers: onConnect(), onConnectError(data), onEvent(name, payload, ackId), onClose(reason).
 * `emit(event, payload, cb)` asks for an answer when cb is given; `cb(reply)` gets the hub's
 * Reply ({ok, requestId, data|error}) or `{ ok: false, error: { code: "CLOSED" } }` when the
 * socket closed first. `answer(ackId, value)` answers a hub event that asked for one (ping).
 */
export class SioClient {
  constructor(hubUrl, { nsp = "/plugin", auth, handlers = {}, tags } = {}) {
    this.nsp = nsp;
    this.auth = auth;
    this.handlers = handlers;
    this.nextAck = 1;
    this.pending = new Map();
    this.connected = false;
    this.closed = false;
    this.openedAt = Date.now();
    this.ws = new WebSocket(socketUrl(hubUrl), null, tags ? { tags } : undefined);
    this.ws.onmessage = (e) => this.onFrame(e.data);
    this.ws.onclose = () => this.onClose("transport close");
    this.ws.onerror = (e) => this.onClose(`transport error: ${e.error ?? "unknown"}`);
  }

  onFrame(frame) {
    if (typeof frame !== "string" || frame.length === 0) return;
    const kind = frame[0];
    if (kind === "2") {
      this.ws.send("3");
      return;
    }
    if (kind === "0") {
      // engine.io open: now join the namespace, with the handshake auth.
      this.ws.send(`40${this.nsp},${JSON.stringify(this.auth ?? {})}`);
      return;
    }
    if (kind === "1") {
      this.close("engine.io close");
      return;
    }
    if (kind !== "4") return;
    const p = parseSioPacket(frame.slice(1));
    if (p.nsp !== this.nsp) return;
    if (p.type === 0) {
      this.connected = true;
      this.handlers.onConnect?.();
    } else if (p.type === 4) {
      this.handlers.onConnectError?.(p.data);
      this.close("connect_error");
    } else if (p.type === 2 && Array.isArray(p.data)) {
      this.handlers.onEvent?.(p.data[0], p.data[1], p.id);
    } else if (p.type === 3 && p.id !== undefined) {
      const cb = this.pending.get(p.id);
      this.pending.delete(p.id);
      cb?.(Array.isArray(p.data) ? p.data[0] : p.data);
    } else if (p.type === 1) {
      this.close("io server disconnect");
    }
  }

  emit(event, payload, cb) {
    if (this.closed) {
      cb?.({ ok: false, error: { code: "CLOSED", message: "socket closed" } });
      return;
    }
    let id = "";
    if (cb) {
      id = String(this.nextAck++);
      this.pending.set(Number(id), cb);
    }
    this.ws.send(`42${this.nsp},${id}${JSON.stringify([event, payload])}`);
  }

  answer(ackId, value) {
    if (!this.closed && ackId !== undefined) this.ws.send(`43${this.nsp},${ackId}${JSON.stringify([value])}`);
  }

  onClose(reason) {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    for (const cb of this.pending.values()) cb({ ok: false, error: { code: "CLOSED", message: reason } });
    this.pending.clear();
    this.handlers.onClose?.(reason);
  }

  /** Leave cleanly: socket.io DISCONNECT, then close the WebSocket. */
  close(reason = "client close") {
    if (!this.closed && this.ws.readyState === 1) {
      try {
        if (this.connected) this.ws.send(`41${this.nsp},`);
      } catch {
        // already closing
      }
    }
    this.onClose(reason);
    try {
      this.ws.close();
    } catch {
      // already closed
    }
  }

  /** Drop the transport without a goodbye, as a crashed plugin or a network cut would. */
  drop() {
    this.onClose("dropped");
    try {
      this.ws.close();
    } catch {
      // already closed
    }
  }
}

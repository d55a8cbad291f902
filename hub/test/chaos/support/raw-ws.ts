import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface WsMessage {
  opcode: number;
  data: Buffer;
}

export interface FrameSpec {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  /** Client frames must be masked (RFC 6455 5.1); false sends a protocol violation. */
  mask?: boolean;
  rsv?: number;
  /** Claim this payload length in the header whatever the payload really is. */
  claimedLength?: number;
}

/**
 * A WebSocket client over a bare TCP socket, so a test can send what no library would: text
 * frames with invalid UTF-8, unmasked or reserved-opcode frames, lying length headers, raw
 * bytes. Server frames are parsed into `messages`; a close frame or the socket's end sets
 * `closed` (with the close code when there was one).
 */
export class RawWs {
  readonly messages: WsMessage[] = [];
  closed = false;
  closeCode: number | undefined;
  onMessage: ((m: WsMessage) => void) | undefined;
  onClose: (() => void) | undefined;
  private buffer = Buffer.alloc(0);
  private readonly socket: Socket;

  // No parameter properties: child processes load this file with Node's type stripping.
  private constructor(socket: Socket) {
    this.socket = socket;
  }

  static connect(
    port: number,
    path: string,
    headers: Record<string, string> = {},
    timeoutMs = 5000,
  ): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error("websocket handshake timed out"));
      }, timeoutMs);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        clearTimeout(timer);
        socket.off("data", onData);
        const status = head.subarray(0, end).toString("latin1").split("\r\n")[0] ?? "";
        if (!status.includes(" 101 ")) {
          socket.destroy();
          reject(new Error(`websocket handshake refused: ${status} ${head.subarray(end + 4, end + 200)}`));
          return;
        }
        const ws = new RawWs(socket);
        socket.on("data", (c: Buffer) => ws.onData(c));
        socket.on("close", () => ws.markClosed());
        socket.on("error", () => ws.markClosed());
        resolve(ws);
        if (head.length > end + 4) ws.onData(head.subarray(end + 4));
      };
      socket.on("data", onData);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once("connect", () => {
        const lines = [
          `GET ${path} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
          "Sec-WebSocket-Version: 13",
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        ];
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      });
    });
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      let len = b[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + len) return;
      const opcode = b[0]! & 0x0f;
      const data = b.subarray(offset, offset + len);
      this.buffer = b.subarray(offset + len);
      if (opcode === 8) {
        this.closeCode = data.length >= 2 ? data.readUInt16BE(0) : undefined;
        this.socket.destroy();
        this.markClosed();
        return;
      }
      const m = { opcode, data: Buffer.from(data) };
      this.messages.push(m);
      // Bounded: long fuzz connections would otherwise keep every frame the hub sent.
      if (this.messages.length > 200) this.messages.splice(0, 100);
      this.onMessage?.(m);
    }
  }

  sendFrame(spec: FrameSpec): void {
    if (this.closed) return;
    const { payload } = spec;
    const mask = spec.mask ?? true;
    const len = spec.claimedLength ?? payload.length;
    const first = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f);
    let header: Buffer;
    if (len < 126) header = Buffer.from([first, (mask ? 0x80 : 0) | len]);
    else if (len < 65536) {
      header = Buffer.alloc(4);
      header[0] = first;
      header[1] = (mask ? 0x80 : 0) | 126;
      header.writeUInt16BE(len, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = first;
      header[1] = (mask ? 0x80 : 0) | 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    if (!mask) {
      this.socket.write(Buffer.concat([header, payload]));
      return;
    }
    const key = randomBytes(4);
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ key[i % 4]!;
    this.socket.write(Buffer.concat([header, key, masked]));
  }

  text(data: string | Buffer): void {
    this.sendFrame({ opcode: 1, payload: typeof data === "string" ? Buffer.from(data, "utf8") : data });
  }

  binary(data: Buffer): void {
    this.sendFrame({ opcode: 2, payload: data });
  }

  raw(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
    this.markClosed();
  }
}

import { RawWs } from "./raw-ws.js";

export const ENGINE_PATH = "/socket.io/?EIO=4&transport=websocket";

/** What the hub sent back on the namespace: events and acks, by packet. */
export interface SioInbox {
  events: Array<{ name: string; args: unknown[] }>;
  acks: Map<number, unknown[]>;
}

export class HandshakeRefused extends Error {
  readonly data: unknown;
  constructor(message: string, data: unknown) {
    super(message);
    this.data = data;
  }
}

/**
 * socket.io (protocol 5 over engine.io 4) spoken by hand on a RawWs, so a test can send any
 * packet: a valid one, a malformed one, or bytes that are no packet at all. It answers the
 * server's pings and files what comes back.
 */
export class RawSio {
  readonly ws: RawWs;
  readonly nsp: string;
  readonly inbox: SioInbox = { events: [], acks: new Map() };
  private readonly waiters = new Map<number, (args: unknown[] | null) => void>();

  private constructor(ws: RawWs, nsp: string) {
    this.ws = ws;
    this.nsp = nsp;
    ws.onMessage = (m) => {
      if (m.opcode !== 1) return;
      this.onText(m.data.toString("utf8"));
    };
    ws.onClose = () => {
      for (const w of this.waiters.values()) w(null);
      this.waiters.clear();
    };
  }

  static async open(
    port: number,
    auth: Record<string, unknown>,
    opts: { nsp?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<RawSio> {
    const nsp = opts.nsp ?? "/plugin";
    const ws = await RawWs.connect(port, ENGINE_PATH, opts.headers ?? {}, opts.timeoutMs ?? 5000);
    const sio = new RawSio(ws, nsp);
    await sio.until(
      () => ws.messages.some((m) => m.data.toString("utf8").startsWith("0{")),
      "engine.io open",
    );
    ws.text(`40${nsp},${JSON.stringify(auth)}`);
    const prefix = `40${nsp},`;
    const refused = `44${nsp},`;
    await sio.until(
      () => ws.messages.some((m) => [prefix, refused].some((p) => m.data.toString("utf8").startsWith(p))),
      "namespace connect",
    );
    const reply = ws.messages.map((m) => m.data.toString("utf8")).find((t) => t.startsWith(refused));
    if (reply !== undefined) {
      ws.close();
      const body = JSON.parse(reply.slice(refused.length)) as { message: string; data?: unknown };
      throw new HandshakeRefused(body.message, body.data);
    }
    return sio;
  }

  private until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const tick = () => {
        if (check()) resolve();
        else if (this.ws.closed) reject(new Error(`closed before ${what}`));
        else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
        else setTimeout(tick, 5);
      };
      tick();
    });
  }

  private onText(text: string): void {
    if (text === "2") {
      this.ws.text("3");
      return;
    }
    const head = `42${this.nsp},`;
    const ack = `43${this.nsp},`;
    try {
      if (text.startsWith(head)) {
        const [name, ...args] = JSON.parse(text.slice(head.length)) as [string, ...unknown[]];
        this.inbox.events.push({ name, args });
      } else if (text.startsWith(ack)) {
        const rest = text.slice(ack.length);
        const bracket = rest.indexOf("[");
        const id = Number(rest.slice(0, bracket));
        const args = JSON.parse(rest.slice(bracket)) as unknown[];
        this.inbox.acks.set(id, args);
        this.waiters.get(id)?.(args);
        this.waiters.delete(id);
      }
    } catch {
      // a frame the hub sent that is not JSON would be its bug; the fuzz counts replies only
    }
  }

  /** `42<nsp>,<ackId>[event, ...args]`: a well-formed event packet around any JSON text. */
  eventPacket(jsonArray: string, ackId?: number): string {
    return `42${this.nsp},${ackId ?? ""}${jsonArray}`;
  }

  /** Resolves with the ack's arguments, or null when none came in time or the socket closed. */
  waitAck(id: number, timeoutMs = 10_000): Promise<unknown[] | null> {
    const got = this.inbox.acks.get(id);
    if (got) return Promise.resolve(got);
    if (this.ws.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(id, (args) => {
        clearTimeout(timer);
        resolve(args);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

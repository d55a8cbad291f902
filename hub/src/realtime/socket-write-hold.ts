import type { Socket as NetSocket } from "node:net";
import type { PluginSocket } from "./socket-types.js";

/** The parts of engine.io's WebSocket transport and `ws` reached here; absent on polling. */
interface WsTransport {
  socket?: { _socket?: NetSocket };
}

/**
 * Lets the frames one turn of the event loop sends to one plugin connection leave in one
 * `write(2)`. Every emit (a reply, a `messages` frame) is its own WebSocket frame and `ws`
 * writes each one at once; the replies to a sender's in-flight requests, however, come due
 * together (their Redis replies arrive in one read). The first emit of a turn corks the TCP
 * socket and `setImmediate` uncorks it after the poll phase: frames, order and back-pressure
 * are unchanged, only the syscalls are shared. `ws` corks around each frame itself, and
 * Node counts corks, so its own uncork does not flush ours early. On a transport without a
 * raw socket (long polling) this does nothing.
 */
export class SocketWriteHold {
  private corked: NetSocket | undefined;

  constructor(private readonly socket: PluginSocket) {
    // engine.io holds frames back while the previous write is in flight and then sends the
    // backlog frame by frame, from a write callback where no emit of ours is on the stack.
    socket.conn.on("flush", this.onFlush);
  }

  private readonly onFlush = (buffer: readonly unknown[]): void => {
    if (buffer.length > 1) this.hold();
  };

  /** Call before emitting on the socket. */
  hold(): void {
    if (this.corked !== undefined) return;
    const raw = (this.socket.conn.transport as unknown as WsTransport).socket?._socket;
    if (raw === undefined || raw.destroyed || typeof raw.cork !== "function") return;
    raw.cork();
    this.corked = raw;
    setImmediate(release, this);
  }

  /** @internal The turn is over: let the held frames go (see `hold`). */
  release(): void {
    const raw = this.corked;
    this.corked = undefined;
    raw?.uncork();
  }
}

// A module function, not an arrow per connection: each closure is kept as long as the socket.
function release(hold: SocketWriteHold): void {
  hold.release();
}

import type { Redis } from "ioredis";

/**
 * Turns the commands one turn of the event loop issues into one `write(2)`. ioredis writes
 * each command on its own (≈ 10 µs of syscall each on the benchmark VM, the largest single
 * cost in the hub's profile), and the hub's commands arrive in bursts: every plugin frame
 * read in one poll phase sends its own enqueue. The first command of a turn corks the
 * connection's socket and `setImmediate` (the check phase, right after the poll phase that
 * issued them) uncorks it, so they leave together without an ioredis `Pipeline` object per
 * turn, which is what made `enableAutoPipelining` cost more than it saved. Replies, order and
 * failures stay per command: only the syscall is shared.
 */
export class WriteCoalescer {
  private corked: Redis["stream"] | undefined;

  constructor(private readonly redis: Redis) {}

  /** Call before issuing a command on the connection. */
  hold(): void {
    if (this.corked !== undefined || this.redis.status !== "ready") return;
    const stream = this.redis.stream;
    if (!stream || stream.destroyed) return;
    stream.cork();
    this.corked = stream;
    setImmediate(this.release);
  }

  private readonly release = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    // The same socket that was corked, even if ioredis has reconnected on another since.
    stream?.uncork();
  };
}

/**
 * Reconnect timing. socket.io-client applies the same numbers to its own reconnects
 * (`reconnectionDelay`, `reconnectionDelayMax`, `randomizationFactor`); `backoffDelay` covers
 * the reconnects it leaves to us (server-side disconnects, refused handshakes, shutdown
 * notices), so every retry path obeys one bound.
 */
export interface BackoffOptions {
  /** Delay of the first retry, before jitter. */
  baseMs: number;
  /** No delay ever exceeds this, jitter included. */
  maxMs: number;
  /** Fraction of the delay randomly added or removed, 0..1. */
  jitter: number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (0-based): base·2^attempt capped at max, then spread by
 * ±jitter so that many plugins dropped by one replica do not come back in lockstep.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = RECONNECT_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Math.max(0, Math.min(Math.floor(attempt), 30));
  const nominal = Math.min(opts.maxMs, opts.baseMs * 2 ** n);
  const spread = nominal * opts.jitter * (2 * random() - 1);
  return Math.round(Math.min(opts.maxMs, Math.max(0, nominal + spread)));
}

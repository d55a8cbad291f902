import { Cc2ccError, type Message } from "@cc2cc/shared";
import type { Engine } from "../engine/engine.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

export interface PumpDeps {
  engine: Engine;
  metrics: Metrics;
  logger: Logger;
  /** Messages claimed per round trip; the engine still bounds processing by its window. */
  batch: number;
}

/**
 * Drains one instance's queue into the one local connection that holds it. Wakes coalesce:
 * a wake while running makes the loop go round once more instead of starting a second loop,
 * so one queue never has two claimers on this replica; the engine's fencing (NOT_HOLDER)
 * stops a pump whose connection was taken over elsewhere. Each claim says what is left: the
 * loop claims again only while messages wait and the window has room, and an ack wakes it
 * only when messages wait behind a full window.
 */
export class DeliveryPump {
  /** Nothing is pushed before the connection's `welcome`: wakes before `start()` wait for it. */
  private started = false;
  private running = false;
  private again = false;
  /** The last claim left messages pending behind a full window: the next ack makes room. */
  private blocked = false;
  /** An ack arrived while a claim was out; that claim's view of the window may be stale. */
  private ackedWhileRunning = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Message id → acceptance time, for the latency histogram; bounded by the in-flight window. */
  // Made on the first delivery: most connections sit idle, and an empty Map is not free.
  private inflight: Map<string, number> | undefined;

  constructor(
    private readonly instanceId: string,
    private readonly connId: string,
    private readonly push: (messages: Message[]) => void,
    private readonly onStale: () => void,
    private readonly deps: PumpDeps,
  ) {}

  start(): void {
    this.started = true;
    this.wake();
  }

  wake(): void {
    if (this.stopped || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  /** The plugin acknowledged these ids: observe latency and make room in the window. */
  acked(messageIds: readonly string[]): void {
    const now = Date.now();
    for (const id of messageIds) {
      const acceptedAt = this.inflight?.get(id);
      if (acceptedAt === undefined) continue;
      this.inflight?.delete(id);
      this.deps.metrics.latency.observe(Math.max(0, now - acceptedAt) / 1000);
    }
    if (this.running) this.ackedWhileRunning = true;
    else if (this.blocked) this.wake();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.inflight = undefined;
  }

  private async run(): Promise<void> {
    this.running = true;
    const { engine, metrics, logger, batch } = this.deps;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          this.ackedWhileRunning = false;
          const { messages, remaining, room } = await engine.claim(this.instanceId, this.connId, batch);
          if (this.stopped) return;
          if (messages.length > 0) {
            this.inflight ??= new Map();
            for (const m of messages) {
              if (this.inflight.size < 10_000) this.inflight.set(m.id, Date.parse(m.timestamp));
            }
            metrics.delivered.inc(messages.length);
            this.push(messages);
          }
          this.blocked = remaining > 0 && room === 0;
          // Claim again only when more wait and the window takes them (or an ack just freed it).
          if (remaining === 0 || (room === 0 && !this.ackedWhileRunning)) break;
          if (messages.length === 0 && room > 0) break; // nothing moved although it could: no spin
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      if (err instanceof Cc2ccError && err.code === "NOT_HOLDER") {
        this.stopped = true;
        this.onStale();
        return;
      }
      // Store outages are counted by the instrumented engine; anything else is a bug worth a log line.
      if (!(err instanceof Cc2ccError && err.code === "ENGINE_UNAVAILABLE"))
        logger.error({ err, instanceId: this.instanceId }, "delivery pump failed");
      this.scheduleRetry();
    } finally {
      this.running = false;
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), 500);
    this.retryTimer.unref();
  }
}

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

/** What a sender's enqueue needs of a recipient's idle pump (see DeliveryPump.offer). */
export interface HandoverTarget {
  offer(): string | undefined;
  settle(handedOver: Message | undefined): void;
}

/**
 * Drains one instance's queue into the one local connection that holds it. Wakes coalesce:
 * a wake while running makes the loop go round once more instead of starting a second loop,
 * so one queue never has two claimers on this replica; the engine's fencing (NOT_HOLDER)
 * stops a pump whose connection was taken over elsewhere. Each claim says what is left: the
 * loop claims again only while messages wait and the window has room, and an ack wakes it
 * only when messages wait behind a full window.
 */
export class DeliveryPump implements HandoverTarget {
  /** Nothing is pushed before the connection's `welcome`: wakes before `start()` wait for it. */
  private started = false;
  private running = false;
  private again = false;
  /** The last claim left messages pending behind a full window: the next ack makes room. */
  private blocked = false;
  /** An ack arrived while a claim was out; that claim's view of the window may be stale. */
  private ackedWhileRunning = false;
  private stopped = false;
  /** Hand-over offers whose enqueue has not answered yet: claims wait for them (see offer). */
  private offers = 0;
  private wokeDuringOffers = false;
  /**
   * Hand-overs answered in this turn, pushed together in one `messages` frame after it: each
   * frame costs an encode, a WebSocket frame and an ack on the way back, and the answers of
   * many enqueues arrive in one Redis read.
   */
  private outbox: Message[] | undefined;
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
    if (this.offers > 0) {
      this.wokeDuringOffers = true;
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  /**
   * An idle pump offers its connection to a sender on this replica: the enqueue may hand the
   * message straight over (Engine `handover`), saving the wake-up and the claim round trip.
   * Returns the connId to offer, or undefined when the pump is busy, blocked or not started.
   * While offers are out no claim starts, so a claim can never overtake a hand-over whose
   * answer is still on its way, and one sender's messages reach the socket in order. Every
   * offer is settled exactly once with `settle`.
   */
  offer(): string | undefined {
    if (this.stopped || !this.started || this.running || this.blocked) return undefined;
    this.offers++;
    return this.connId;
  }

  /** The enqueue answered: deliver the message when it was handed over, else nothing. */
  settle(handedOver: Message | undefined): void {
    this.offers--;
    if (handedOver !== undefined && !this.stopped) {
      if (this.outbox === undefined) {
        this.outbox = [];
        setImmediate(flushOutbox, this);
      }
      this.outbox.push(handedOver);
    }
    if (this.offers === 0 && this.wokeDuringOffers) {
      this.wokeDuringOffers = false;
      this.wake();
    }
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
    const { engine, logger, batch } = this.deps;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          this.ackedWhileRunning = false;
          const { messages, remaining, room } = await engine.claim(this.instanceId, this.connId, batch);
          if (this.stopped) return;
          if (messages.length > 0) {
            this.flushOutbox(); // hand-overs answered before this claim go out first
            this.deliver(messages);
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

  /** @internal Pushes the hand-overs collected in this turn (see `settle`). */
  flushOutbox(): void {
    const out = this.outbox;
    if (out === undefined) return;
    this.outbox = undefined;
    if (!this.stopped) this.deliver(out);
  }

  private deliver(messages: Message[]): void {
    this.inflight ??= new Map();
    for (const m of messages) {
      if (this.inflight.size < 10_000) this.inflight.set(m.id, Date.parse(m.timestamp));
    }
    this.deps.metrics.delivered.inc(messages.length);
    this.push(messages);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), 500);
    this.retryTimer.unref();
  }
}

// A module function, not an arrow per pump: most pumps sit idle, and each closure is kept.
function flushOutbox(pump: DeliveryPump): void {
  pump.flushOutbox();
}

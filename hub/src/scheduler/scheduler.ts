import type { Fanout } from "../core/fanout.js";
import type { Messaging } from "../core/messaging.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { fireClaim } from "./fire-claim.js";
import type { ScheduleStore } from "./schedule-store.js";

export interface SchedulerOptions {
  replica: string;
  pollMs: number;
  leaseMs: number;
  graceMs: number;
  /** Claims per store call; a full batch is followed by another at once. */
  batch: number;
  /** Test only: hang forever after claiming, or after sending but before completing. */
  failpoint: "hang-after-claim" | "hang-after-send" | undefined;
}

export interface SchedulerDeps {
  store: ScheduleStore;
  messaging: Messaging;
  fanout: Fanout;
  metrics: Metrics;
  logger: Logger;
}

const forever = () => new Promise<never>(() => {});

/**
 * The firing loop of one replica. Every `pollMs` (and at the nearest due time, when sooner) it
 * claims due fires from the store and fires each through `messaging.send` with a message id
 * derived from (schedule, planned time), then completes the claim. The store's claim makes
 * each fire one replica's; a replica that dies mid-fire leaves a lease that lapses, and the
 * next claimer retries the same planned fire with the same message id.
 *
 * Shutdown lets leases lapse rather than releasing them: it stops claiming, finishes the fires
 * in flight (they complete normally), and anything still unfinished is retried by another
 * replica after `leaseMs`, with the same message id.
 */
export class Scheduler {
  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private nearTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private readonly inflight = new Set<Promise<void>>();
  private ticks = 0;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollTimer = setInterval(() => this.poke(), this.opts.pollMs);
    this.poke();
  }

  /** Look for due fires now (a schedule was created or changed here). */
  poke(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.deps.logger.warn({ err: String(err) }, "scheduler tick failed"))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    clearInterval(this.pollTimer);
    clearTimeout(this.nearTimer);
    const settled = Promise.allSettled([this.ticking, ...this.inflight]);
    await Promise.race([settled, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async tick(): Promise<void> {
    const { store, metrics } = this.deps;
    let nowMs = 0;
    for (;;) {
      if (!this.running) return;
      const batch = await store.claim({
        replica: this.opts.replica,
        limit: this.opts.batch,
        leaseMs: this.opts.leaseMs,
      });
      nowMs = batch.nowMs;
      const localAtClaim = Date.now();
      if (batch.claims.length > 0 && this.opts.failpoint === "hang-after-claim") return forever();
      const clock = { claimNowMs: nowMs, localAtClaim };
      await Promise.all(
        batch.claims.map((c) => this.track(fireClaim(c, clock, this.deps, this.opts, forever))),
      );
      if (batch.claims.length < this.opts.batch) break;
    }
    if (++this.ticks % 10 === 1) metrics.schedules.set(await store.count());
    await this.armNearTimer(nowMs);
  }

  private async armNearTimer(nowMs: number): Promise<void> {
    const due = await this.deps.store.nextDueMs();
    clearTimeout(this.nearTimer);
    if (due === null || !this.running) return;
    const delay = due - nowMs;
    if (delay < this.opts.pollMs) this.nearTimer = setTimeout(() => this.poke(), Math.max(0, delay) + 2);
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }
}

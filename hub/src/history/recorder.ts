import type { HubEvent } from "@cc2cc/shared";
import type { Logger } from "../logger.js";
import type { HistoryStore } from "./history-store.js";
import { MinuteWindow } from "./minute-window.js";
import { HistoryIndexError } from "./redis-history.js";

export interface RecorderOptions {
  /** Events wait at most this long before they are written, batched. */
  flushDelayMs: number;
  batchMax: number;
  /** Events held while the store is away; beyond it the oldest are dropped and counted. */
  bufferMax: number;
  retryDelayMs: number;
  trimIntervalMs: number;
}

const DEFAULTS: RecorderOptions = {
  flushDelayMs: 25,
  // A batch costs the store a few round trips whatever its size: at 500 a saturated replica
  // (≈ 11,000 events/s) outran the writer and the buffer overflowed.
  batchMax: 2000,
  bufferMax: 50_000,
  retryDelayMs: 1000,
  trimIntervalMs: 5000,
};

/**
 * Takes every hub event this replica emits (teed from `fanout.event`) and writes them to the
 * history store in order, in batches, off the send path: a send never waits for history and
 * never fails because of it. While the store is away events are held (bounded) and retried.
 */
export class HistoryRecorder {
  private readonly opts: RecorderOptions;
  private buffer: HubEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private readonly trimTimer: NodeJS.Timeout;
  private failing = false;
  private readonly windows = {
    messages: new MinuteWindow(),
    acks: new MinuteWindow(),
    events: new MinuteWindow(),
  };
  readonly totals = { messages: 0, events: 0, dropped: 0 };
  /** The buffer may run this far past `bufferMax` before its oldest events are dropped. */
  private readonly dropSlice: number;

  constructor(
    private readonly store: HistoryStore,
    private readonly logger: Logger,
    opts: Partial<RecorderOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    this.dropSlice = Math.floor(this.opts.bufferMax / 50);
    this.trimTimer = setInterval(() => {
      this.store
        .trim()
        .catch((err: unknown) => this.logger.debug({ err: String(err) }, "history trim failed"));
    }, this.opts.trimIntervalMs);
    this.trimTimer.unref();
  }

  record(e: HubEvent): void {
    this.totals.events++;
    this.windows.events.add(1);
    if (e.type === "message:sent") {
      this.totals.messages++;
      this.windows.messages.add(1);
    } else if (e.type === "message:acked") this.windows.acks.add(e.messageIds.length);
    this.buffer.push(e);
    // Overflow drops the oldest in slices: a splice per event moves the whole buffer each time
    // (it was 8 % of a saturated replica's CPU).
    if (this.buffer.length > this.opts.bufferMax + this.dropSlice) {
      const excess = this.buffer.length - this.opts.bufferMax;
      this.buffer.splice(0, excess);
      this.totals.dropped += excess;
    }
    this.schedule(this.opts.flushDelayMs);
  }

  rates(): { messagesPerMin: number; acksPerMin: number; eventsPerMin: number } {
    return {
      messagesPerMin: this.windows.messages.total(),
      acksPerMin: this.windows.acks.total(),
      eventsPerMin: this.windows.events.total(),
    };
  }

  /** Resolves once everything recorded so far was written (or given up on). */
  async flush(): Promise<void> {
    for (let i = 0; i < 100 && (this.buffer.length > 0 || this.writing); i++) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      await (this.writing ?? this.writeBatch());
      if (this.failing) return;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.trimTimer);
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.writeBatch();
    }, delayMs);
  }

  private writeBatch(): Promise<void> {
    if (this.writing) return this.writing;
    const batch = this.buffer.splice(0, this.opts.batchMax);
    if (batch.length === 0) return Promise.resolve();
    this.writing = this.store.append(batch).then(
      () => {
        if (this.failing) this.logger.info("history store reachable again");
        this.failing = false;
      },
      (err: unknown) => {
        if (err instanceof HistoryIndexError) {
          this.logger.warn({ err: err.message }, "history entries written without their index");
          return;
        }
        if (!this.failing) this.logger.warn({ err: String(err) }, "history append failed; holding events");
        this.failing = true;
        this.buffer.unshift(...batch);
      },
    );
    return this.writing.finally(() => {
      this.writing = null;
      if (this.buffer.length === 0) return;
      // Under load a batch per flush delay, not one per write's round trip: what a batch costs
      // the store hardly depends on its size (redis-history-append.ts).
      const full = this.buffer.length >= this.opts.batchMax;
      this.schedule(this.failing ? this.opts.retryDelayMs : full ? 0 : this.opts.flushDelayMs);
    });
  }
}

import type { Increment } from "./aggregates.js";

/** Slot → counter field → amount. */
export type SlotSums = Map<number, Map<string, number>>;

/**
 * Aggregate increments summed in memory and written at most once per interval. Per batch the
 * counters were the costliest part of the history (one HINCRBY per sender, receiver and pair of
 * every batch); per interval they are a few hundred commands however many messages moved.
 * What a failed write held is put back and tried again; `flush()` writes everything added
 * before it was called (a reader of this store sees its own counts).
 */
export class CounterBuffer {
  private pending: SlotSums = new Map();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (sums: SlotSums) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  add(increments: readonly Increment[]): void {
    for (const { slot, field } of increments) addTo(this.pending, slot, field, 1);
    this.schedule();
  }

  flush(): Promise<void> {
    const next = this.writing.then(() => this.writeOnce());
    this.writing = next.catch(() => {});
    return next;
  }

  close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.flush();
  }

  private async writeOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const sums = this.pending;
    this.pending = new Map();
    try {
      await this.write(sums);
    } catch (err) {
      for (const [slot, fields] of sums) for (const [f, n] of fields) addTo(this.pending, slot, f, n);
      throw err;
    }
  }

  private schedule(): void {
    if (this.timer !== null || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // The store is away: keep the sums (bounded by the distinct counters) and try again.
      this.flush().catch(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}

function addTo(sums: SlotSums, slot: number, field: string, n: number): void {
  const fields = sums.get(slot) ?? new Map<string, number>();
  sums.set(slot, fields);
  fields.set(field, (fields.get(field) ?? 0) + n);
}

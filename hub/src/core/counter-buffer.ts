/** Group (a time slot, a key) → counter field → amount. */
export type Sums<G> = Map<G, Map<string, number>>;

/**
 * Counter increments summed in memory and written at most once per interval: per message they
 * would be a Redis command each (the history's aggregates, the daily per-type counts); per
 * interval they are a few commands however many messages moved. What a failed write held is
 * put back and tried again. A reader sees this replica's own counts either by `flush()`
 * (writes everything added before it was called) or by adding `unwritten()` to what it reads.
 */
export class CounterBuffer<G> {
  private pending: Sums<G> = new Map();
  /** Taken by the write in flight, so `unwritten()` never dips while it runs. */
  private inflight: Sums<G> = new Map();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (sums: Sums<G>) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  add(group: G, field: string, n = 1): void {
    addTo(this.pending, group, field, n);
    this.schedule();
  }

  /** Counts not in the store yet: added and not written, or being written. */
  unwritten(): Sums<G> {
    const out: Sums<G> = new Map();
    for (const sums of [this.inflight, this.pending]) {
      for (const [group, fields] of sums) for (const [f, n] of fields) addTo(out, group, f, n);
    }
    return out;
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
    this.inflight = sums;
    try {
      await this.write(sums);
    } catch (err) {
      for (const [group, fields] of sums) for (const [f, n] of fields) addTo(this.pending, group, f, n);
      throw err;
    } finally {
      this.inflight = new Map();
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

function addTo<G>(sums: Sums<G>, group: G, field: string, n: number): void {
  const fields = sums.get(group) ?? new Map<string, number>();
  sums.set(group, fields);
  fields.set(field, (fields.get(field) ?? 0) + n);
}

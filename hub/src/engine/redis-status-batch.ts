import type { Message } from "@cc2cc/shared";
import { CounterBuffer, type Sums } from "../core/counter-buffer.js";
import type { EngineOptions } from "./engine.js";
import type { RedisKeys } from "./redis-keys.js";
import type { Scripts } from "./redis-scripts.js";

/** Sent-message records wait at most this long before their batch is written. */
const STATUS_FLUSH_MS = 50;
/** Daily counters are written about once a second. */
const COUNTS_FLUSH_MS = 1_000;
// Days of per-type counters kept besides today (for a future history view; cheap to keep).
const DAILY_HISTORY_DAYS = 7;

/** What `message_status` needs besides the recipients' own receipts. */
export interface SentRecord {
  from: string;
  to: string;
  acceptedAt: string;
  recipients: string[];
}

/**
 * The per-replica writes that need no round trip of their own: sent-message records (one
 * script per batch under the `{status}` tag) and the daily per-type counters (summed here,
 * one script a second). Both are bookkeeping: a failed write is retried for counts and
 * dropped for records, never a refused send. Reads on this replica see what is still here.
 */
export class StatusBatch {
  private records = new Map<string, string>();
  private recordTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Daily counts by message type (one group: the day is Redis' to decide). */
  readonly counts = new CounterBuffer<"today">((sums) => this.writeCounts(sums), COUNTS_FLUSH_MS);

  constructor(
    private readonly scripts: Scripts,
    private readonly keys: RedisKeys,
    private readonly opts: EngineOptions,
  ) {}

  add(message: Message, recipients: readonly string[]): void {
    const record: SentRecord = {
      from: message.from,
      to: message.to,
      acceptedAt: message.timestamp,
      recipients: [...recipients],
    };
    this.records.set(message.id, JSON.stringify(record));
    if (this.recordTimer === undefined && !this.closed) {
      this.recordTimer = setTimeout(() => void this.flushRecords(), STATUS_FLUSH_MS);
      this.recordTimer.unref();
    }
  }

  /** A record of this replica not written yet (JSON), if any. */
  pendingRecord(messageId: string): string | undefined {
    return this.records.get(messageId);
  }

  count(type: string): void {
    this.counts.add("today", type);
  }

  async flushRecords(): Promise<void> {
    clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    if (this.records.size === 0) return;
    const batch = this.records;
    this.records = new Map();
    const args: Array<string | number> = [this.opts.statusTtlMs];
    for (const [id, json] of batch) args.push(id, json);
    const { statusIndex, statusIndexOld, statusIndexSince } = this.keys;
    try {
      await this.scripts.run("status-index-3", [statusIndex, statusIndexOld, statusIndexSince], args);
    } catch {
      // Status is advisory and the messages themselves are stored: drop this batch.
    }
  }

  private async writeCounts(sums: Sums<"today">): Promise<void> {
    const args: Array<string | number> = [DAILY_HISTORY_DAYS];
    for (const [type, n] of sums.get("today") ?? []) args.push(type, n);
    await this.scripts.run("count-messages-1", [this.keys.daily], args);
  }

  /** Writes what is left; later additions are written only by an explicit flush. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.flushRecords(), this.counts.close()]);
  }
}

/** What a sender learned about one send. */
export type Outcome =
  | { kind: "accepted"; id: string }
  | { kind: "refused"; code: string }
  | { kind: "unconfirmed" };

/** One delivery as a recipient saw it; `key` is the sender's `${sender}:${seq}` from metadata. */
export interface Seen {
  id: string;
  key: string | undefined;
}

export interface Summary {
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  /** No reply (the connection died in flight): the hub may or may not have taken it. */
  unconfirmed: number;
  /** Accepted messages that reached their recipient at least once. */
  delivered: number;
  /** Deliveries beyond the first, of any message. */
  duplicated: number;
  /** Accepted and never delivered. Must be 0. */
  lost: number;
  /** First deliveries that broke a sender's order to one recipient. */
  outOfOrder: number;
  /** Sends without a reply that were nonetheless delivered (accepted just before a cut). */
  unconfirmedDelivered: number;
  lostIds: string[];
}

export interface SendRecord {
  recipient: string;
  sender: string;
  seq: number;
  outcome: Outcome;
  startedAt: number;
  endedAt: number;
}

/**
 * The books of one scenario: every send with its outcome, and every delivery each recipient
 * saw, duplicates included. Lost means accepted by the hub and never seen by the recipient.
 */
export class Ledger {
  private readonly sends = new Map<string, SendRecord>();
  private readonly byId = new Map<string, string>();
  private readonly seen = new Map<string, Seen[]>();

  static key(sender: string, seq: number): string {
    return `${sender}:${seq}`;
  }

  record(sender: string, seq: number, recipient: string, outcome: Outcome): void {
    const key = Ledger.key(sender, seq);
    this.sends.set(key, { recipient, sender, seq, outcome, startedAt: 0, endedAt: 0 });
    if (outcome.kind === "accepted") this.byId.set(outcome.id, key);
  }

  timing(sender: string, seq: number, startedAt: number, endedAt: number): void {
    const rec = this.sends.get(Ledger.key(sender, seq));
    if (rec) Object.assign(rec, { startedAt, endedAt });
  }

  /** Sends that started and ended inside [from, to]. */
  within(from: number, to: number): SendRecord[] {
    return [...this.sends.values()].filter((s) => s.startedAt >= from && s.endedAt <= to);
  }

  /** Sends that started after `from`. */
  after(from: number): SendRecord[] {
    return [...this.sends.values()].filter((s) => s.startedAt >= from);
  }

  /** Replace what a recipient has seen so far (its whole delivery log, in arrival order). */
  observe(recipient: string, deliveries: readonly Seen[]): void {
    this.seen.set(recipient, [...deliveries]);
  }

  /** Accepted messages not yet seen by their recipient. */
  pending(): number {
    const seenIds = new Set<string>();
    for (const list of this.seen.values()) for (const d of list) seenIds.add(d.id);
    let n = 0;
    for (const id of this.byId.keys()) if (!seenIds.has(id)) n++;
    return n;
  }

  summary(): Summary {
    const refused: Record<string, number> = {};
    let accepted = 0;
    let unconfirmed = 0;
    for (const s of this.sends.values()) {
      if (s.outcome.kind === "accepted") accepted++;
      else if (s.outcome.kind === "refused") refused[s.outcome.code] = (refused[s.outcome.code] ?? 0) + 1;
      else unconfirmed++;
    }
    let duplicated = 0;
    let outOfOrder = 0;
    let unconfirmedDelivered = 0;
    const seenIds = new Set<string>();
    for (const list of this.seen.values()) {
      const first = new Set<string>();
      const lastSeq = new Map<string, number>();
      for (const d of list) {
        if (first.has(d.id)) {
          duplicated++;
          continue;
        }
        first.add(d.id);
        seenIds.add(d.id);
        const rec = d.key === undefined ? undefined : this.sends.get(d.key);
        if (!rec) continue;
        if (rec.outcome.kind === "unconfirmed") unconfirmedDelivered++;
        const prev = lastSeq.get(rec.sender) ?? -1;
        if (rec.seq < prev) outOfOrder++;
        lastSeq.set(rec.sender, Math.max(prev, rec.seq));
      }
    }
    const lostIds = [...this.byId.keys()].filter((id) => !seenIds.has(id));
    return {
      sent: this.sends.size,
      accepted,
      refused,
      unconfirmed,
      delivered: accepted - lostIds.length,
      duplicated,
      lost: lostIds.length,
      outOfOrder,
      unconfirmedDelivered,
      lostIds: lostIds.slice(0, 10),
    };
  }
}

/** One line per scenario, the figures docs/reliability.md quotes. */
export function report(scenario: string, s: Summary, extra: Record<string, unknown> = {}): void {
  const refused = Object.entries(s.refused)
    .map(([code, n]) => `${code}:${n}`)
    .join(",");
  const fields: Record<string, unknown> = {
    sent: s.sent,
    accepted: s.accepted,
    delivered: s.delivered,
    duplicated: s.duplicated,
    lost: s.lost,
    out_of_order: s.outOfOrder,
    refused: refused || 0,
    unconfirmed: s.unconfirmed,
    unconfirmed_delivered: s.unconfirmedDelivered,
    ...extra,
  };
  printLine(scenario, fields);
}

export function printLine(scenario: string, fields: Record<string, unknown>): void {
  const text = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
  console.log(`[chaos] ${scenario}: ${text}`);
}

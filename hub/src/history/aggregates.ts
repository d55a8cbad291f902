import type { HubEvent } from "@cc2cc/shared";

/**
 * Counters the Analytics and Graph views read, kept per 10-minute slot so that a 7-day range is
 * about a thousand small records and never a scan of the log. Fields of a slot:
 *   m:<minute 0-9>:<type>  messages accepted in that minute, by message type
 *   s:<from>               messages sent by an instance
 *   e:<from>\t<to>         messages from an instance queued for an instance, or sent live to an
 *                          address (the Graph's edges; a receiver's count is the sum of its edges)
 *   l:<bucket>             send → ack latencies, in geometric buckets (latencyBucket)
 * Instance ids and addresses never contain a tab, so the edge field splits unambiguously.
 */
export const SLOT_MS = 10 * 60_000;
export const MINUTE_MS = 60_000;
/** Each latency bucket is this factor wider than the previous one, from 1 ms up. */
export const LATENCY_FACTOR = 1.25;

export const slotOf = (ms: number): number => ms - (ms % SLOT_MS);

/** The millisecond timestamp of a UUIDv7 (the hub's message ids), or null for other ids. */
export function uuidv7Ms(id: string): number | null {
  const hex = id.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== "7") return null;
  return Number.parseInt(hex.slice(0, 12), 16);
}

export function latencyBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / Math.log(LATENCY_FACTOR));
}

/** The upper bound, in ms, of a latency bucket. */
export function latencyBound(bucket: number): number {
  return LATENCY_FACTOR ** bucket;
}

export interface Increment {
  slot: number;
  field: string;
}

/** Who a message counts as sent to: its queued recipients, or its address when live-only. */
export function receiversOf(e: Extract<HubEvent, { type: "message:sent" }>): string[] {
  return e.recipients.length > 0 ? e.recipients : [e.message.to];
}

/** The counters one event moves (each by one). */
export function incrementsOf(e: HubEvent): Increment[] {
  const atMs = Date.parse(e.at);
  if (!Number.isFinite(atMs)) return [];
  const slot = slotOf(atMs);
  if (e.type === "message:sent") {
    const m = e.message;
    const minute = Math.floor((atMs - slot) / MINUTE_MS);
    const out: Increment[] = [
      { slot, field: `m:${minute}:${m.type}` },
      { slot, field: `s:${m.from}` },
    ];
    for (const to of receiversOf(e)) {
      out.push({ slot, field: `e:${m.from}\t${to}` });
    }
    return out;
  }
  if (e.type === "message:acked") {
    const out: Increment[] = [];
    for (const id of e.messageIds) {
      const sent = uuidv7Ms(id);
      if (sent !== null) out.push({ slot, field: `l:${latencyBucket(Math.max(0, atMs - sent))}` });
    }
    return out;
  }
  return [];
}

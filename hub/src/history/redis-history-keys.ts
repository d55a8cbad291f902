import type { HubEvent } from "@cc2cc/shared";
import type { Redis } from "ioredis";
import { uuidv7Ms } from "./aggregates.js";
import type { HistoryOptions } from "./history-store.js";

/**
 * Key layout of the Redis history (single-key commands and pipelines only, so no hash tags):
 *   <prefix>history:log            stream, one entry per appended batch: `b` = JSON array of events
 *   <prefix>history:count          events in the stream (what the length cap counts)
 *   <prefix>history:idx:<minute>   hash, index of the messages whose id (UUIDv7) falls in that
 *                                  minute, "x" for other ids; fields in redis-history-index.ts;
 *                                  PEXPIRE maxAge + a minute
 *   <prefix>history:threads        zset root id -> last activity (ms)
 *   <prefix>history:thread:<root>  list of reply ids, oldest first, capped; PEXPIRE maxAge
 *   <prefix>history:tpart:<root>   set of reply senders and receivers; PEXPIRE maxAge
 *   <prefix>history:slot:<ms>      hash of aggregate counters (aggregates.ts); PEXPIRE maxAge + slot
 *   <prefix>history:replicas       zset replica name -> last record (ms)
 *   <prefix>history:replica:<name> string, the replica's last ReplicaRecord JSON
 *   <prefix>history:trim-lock      so one replica trims at a time
 * An event's id (the API's entry id and cursor) is `<ms>-<seq × ENTRY_EVENTS_MAX + index>` for
 * the index-th event of stream entry `<ms>-<seq>`: ordered like the log, and it names its entry.
 */
export function historyKeys(prefix: string) {
  const h = `${prefix}history:`;
  return {
    log: `${h}log`,
    count: `${h}count`,
    idx: (bucket: string) => `${h}idx:${bucket}`,
    threads: `${h}threads`,
    thread: (root: string) => `${h}thread:${root}`,
    participants: (root: string) => `${h}tpart:${root}`,
    slot: (slot: number) => `${h}slot:${slot}`,
    replicas: `${h}replicas`,
    replica: (name: string) => `${h}replica:${name}`,
    trimLock: `${h}trim-lock`,
  };
}
export type HistoryKeys = ReturnType<typeof historyKeys>;

export interface RedisHistoryContext {
  redis: Redis;
  keys: HistoryKeys;
  opts: HistoryOptions;
  clock: () => number;
}

/** Events one stream entry holds at most (fewer when their JSON would exceed ENTRY_BYTES_MAX). */
export const ENTRY_EVENTS_MAX = 1000;
export const ENTRY_BYTES_MAX = 128 * 1024;
export const INDEX_BUCKET_MS = 60_000;

/** A stream entry's events, oldest first; [] for an entry this code did not write (never thrown on). */
export function eventsOf(fields: string[]): HubEvent[] {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    try {
      if (fields[i] === "b") return JSON.parse(fields[i + 1]!) as HubEvent[];
      // One event per entry, as written before batches.
      if (fields[i] === "e") return [JSON.parse(fields[i + 1]!) as HubEvent];
    } catch {
      return [];
    }
  }
  return [];
}

export function eventIdOf(entryId: string, index: number): string {
  const dash = entryId.indexOf("-");
  return `${entryId.slice(0, dash)}-${Number(entryId.slice(dash + 1)) * ENTRY_EVENTS_MAX + index}`;
}

/** The stream entry an event id points into, and the event's place in it. */
export function entryOfEvent(eventId: string): { entryId: string; index: number } {
  const dash = eventId.indexOf("-");
  const n = Number(eventId.slice(dash + 1));
  return {
    entryId: `${eventId.slice(0, dash)}-${Math.floor(n / ENTRY_EVENTS_MAX)}`,
    index: n % ENTRY_EVENTS_MAX,
  };
}

/** Where a message's index record lives, from its id alone. */
export function indexBucket(messageId: string): string {
  const ms = uuidv7Ms(messageId);
  return ms === null ? "x" : String(ms - (ms % INDEX_BUCKET_MS));
}

export const msOfEntry = (id: string): number => Number(id.slice(0, id.indexOf("-")));

/** The smallest stream id greater than `id`, for an exclusive XTRIM MINID. */
export function nextEntryId(id: string): string {
  const dash = id.indexOf("-");
  return `${id.slice(0, dash)}-${BigInt(id.slice(dash + 1)) + 1n}`;
}

import type { HubEvent } from "@cc2cc/shared";
import type { Redis } from "ioredis";
import type { HistoryOptions } from "./history-store.js";

/**
 * Key layout of the Redis history (single-key commands and pipelines only, so no hash tags):
 *   <prefix>history:log            stream, one entry per hub event, field `e` = event JSON
 *   <prefix>history:msg:<id>       hash s=<entry id> r=<root id> a:<instance>=<ack ms>; PEXPIRE maxAge
 *   <prefix>history:threads        zset root id -> last activity (ms)
 *   <prefix>history:thread:<root>  list of reply ids, oldest first, capped; PEXPIRE maxAge
 *   <prefix>history:tpart:<root>   set of reply senders and receivers; PEXPIRE maxAge
 *   <prefix>history:slot:<ms>      hash of aggregate counters (aggregates.ts); PEXPIRE maxAge + slot
 *   <prefix>history:replicas       zset replica name -> last record (ms)
 *   <prefix>history:replica:<name> string, the replica's last ReplicaRecord JSON
 *   <prefix>history:trim-lock      so one replica trims at a time
 */
export function historyKeys(prefix: string) {
  const h = `${prefix}history:`;
  return {
    log: `${h}log`,
    msg: (id: string) => `${h}msg:${id}`,
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

/** A stream entry's event; null for an entry this code did not write (never thrown on). */
export function eventOf(fields: string[]): HubEvent | null {
  const i = fields.indexOf("e");
  if (i === -1 || i + 1 >= fields.length) return null;
  try {
    return JSON.parse(fields[i + 1]!) as HubEvent;
  } catch {
    return null;
  }
}

export const msOfEntry = (id: string): number => Number(id.slice(0, id.indexOf("-")));

/** The smallest stream id greater than `id`, for an exclusive XTRIM MINID. */
export function nextEntryId(id: string): string {
  const dash = id.indexOf("-");
  return `${id.slice(0, dash)}-${BigInt(id.slice(dash + 1)) + 1n}`;
}

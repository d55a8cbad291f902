import type { HistoryEntry, HubEvent } from "@cc2cc/shared";
import { type Ref, ref, type ShallowRef, shallowRef } from "vue";
import { ALL_TYPES, eventKey, type FeedFilters, filtersActive, matchesFilters } from "../lib/hub-events";

export interface FeedItem {
  key: string;
  event: HubEvent;
  atMs: number;
  /** Arrival order, for stable sorting of events with the same timestamp. */
  seq: number;
}

export interface Feed {
  /** Everything held, oldest first; at most `max`. */
  readonly items: Readonly<ShallowRef<readonly FeedItem[]>>;
  /** `items` through the filters. */
  readonly visible: Readonly<ShallowRef<readonly FeedItem[]>>;
  readonly filters: Readonly<ShallowRef<FeedFilters>>;
  readonly max: number;
  /** Bumped whenever acknowledgements of held messages arrive. */
  readonly ackTick: Readonly<Ref<number>>;
  /** How many recipients acknowledged a held message. */
  acked(messageId: string): number;
  setFilters(patch: Partial<FeedFilters>): void;
  /** Live events, in arrival order. */
  append(events: readonly HubEvent[]): void;
  /** History entries (any order); merged by time, duplicates of live events dropped. */
  merge(entries: readonly HistoryEntry[]): number;
  clear(): void;
}

export const defaultFilters = (): FeedFilters => ({
  types: new Set(ALL_TYPES),
  events: true,
  instance: "",
  topic: "",
  text: "",
});

/**
 * The live feed: a bounded list (oldest dropped past `max`) with incremental filtering, so a
 * batch of live events costs work proportional to the batch, not to the 10,000 held.
 */
export function createFeed(max = 10_000): Feed {
  const items = shallowRef<readonly FeedItem[]>([]);
  const visible = shallowRef<readonly FeedItem[]>([]);
  const filters = shallowRef<FeedFilters>(defaultFilters());
  const byKey = new Map<string, FeedItem>();
  const acks = new Map<string, Set<string>>();
  const ackTick = ref(0);
  let seq = 0;

  /** Acks of messages the feed holds; others are not this list's business. */
  function noteAcks(events: readonly HubEvent[]): void {
    let changed = false;
    for (const e of events) {
      if (e.type !== "message:acked") continue;
      for (const id of e.messageIds) {
        if (!byKey.has(`m:${id}`)) continue;
        const set = acks.get(id) ?? new Set<string>();
        set.add(e.instanceId);
        acks.set(id, set);
        changed = true;
      }
    }
    if (changed) ackTick.value++;
  }

  const passes = (item: FeedItem) =>
    !filtersActive(filters.value) || matchesFilters(item.event, filters.value);
  const toItem = (event: HubEvent, key: string): FeedItem => ({
    key,
    event,
    atMs: Date.parse(event.at) || Date.now(),
    seq: seq++,
  });

  /** Drop the oldest beyond `max` from both lists and the key index. */
  function bound(all: FeedItem[]): FeedItem[] {
    if (all.length <= max) return all;
    const dropped = all.slice(0, all.length - max);
    for (const d of dropped) {
      byKey.delete(d.key);
      if (d.event.type === "message:sent") acks.delete(d.event.message.id);
    }
    return all.slice(all.length - max);
  }

  function refilter(): void {
    visible.value = filtersActive(filters.value) ? items.value.filter(passes) : items.value;
  }

  return {
    items,
    visible,
    filters,
    max,
    ackTick,
    acked: (id) => acks.get(id)?.size ?? 0,
    setFilters(patch) {
      filters.value = { ...filters.value, ...patch };
      refilter();
    },
    append(events) {
      const fresh: FeedItem[] = [];
      for (const e of events) {
        const key = eventKey(e);
        if (byKey.has(key)) continue;
        const item = toItem(e, key);
        byKey.set(key, item);
        fresh.push(item);
      }
      if (fresh.length === 0) return noteAcks(events);
      const all = bound([...items.value, ...fresh]);
      noteAcks(events);
      items.value = all;
      if (!filtersActive(filters.value)) {
        visible.value = all;
        return;
      }
      const first = all[0]?.seq ?? 0;
      const kept = visible.value.filter((v) => v.seq >= first);
      visible.value = [...kept, ...fresh.filter(passes)];
    },
    merge(entries) {
      const fresh: FeedItem[] = [];
      for (const { event } of entries) {
        const key = eventKey(event);
        if (byKey.has(key)) continue;
        const item = toItem(event, key);
        byKey.set(key, item);
        fresh.push(item);
      }
      if (fresh.length === 0) return 0;
      const all = [...items.value, ...fresh].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      items.value = bound(all);
      noteAcks(entries.map((e) => e.event));
      refilter();
      return fresh.length;
    },
    clear() {
      byKey.clear();
      acks.clear();
      items.value = [];
      visible.value = [];
    },
  };
}

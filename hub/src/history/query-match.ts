// The filter itself lives in shared: the dashboard applies the same one to live events.
export { type HistoryFilters, matchesQuery } from "@cc2cc/shared";

/** Splits an entry id `<ms>-<seq>` for ordering without string tricks. */
export function entryParts(id: string): [number, number] {
  const dash = id.indexOf("-");
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

export function compareEntryIds(a: string, b: string): number {
  const [am, as] = entryParts(a);
  const [bm, bs] = entryParts(b);
  return am - bm || as - bs;
}

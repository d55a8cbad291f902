/** Orders a thread's messages as a tree: each reply under its parent, siblings by time. */
export interface Threaded<T> {
  item: T;
  depth: number;
}

export function threadTree<
  T extends { message: { id: string; replyTo?: string | undefined; timestamp: string } },
>(records: readonly T[], maxDepth = 8): Threaded<T>[] {
  const ids = new Set(records.map((r) => r.message.id));
  const children = new Map<string | null, T[]>();
  for (const r of records) {
    // A parent that is not in the thread (expired) makes the reply a top-level entry.
    const parent = r.message.replyTo !== undefined && ids.has(r.message.replyTo) ? r.message.replyTo : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  for (const list of children.values())
    list.sort((a, b) => a.message.timestamp.localeCompare(b.message.timestamp));
  const out: Threaded<T>[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      if (seen.has(r.message.id)) continue;
      seen.add(r.message.id);
      out.push({ item: r, depth: Math.min(depth, maxDepth) });
      walk(r.message.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

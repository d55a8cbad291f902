import { bury, type InstanceRecord, type MemoryStore } from "./memory-state.js";
import { addSubscription, removeSubscription } from "./memory-topics.js";

/**
 * Move the old instance's messages (with their delivery counts), dead letters, role and
 * subscriptions onto `rec`, then delete it.
 */
export function migrate(store: MemoryStore, rec: InstanceRecord, old: InstanceRecord, keepRole: boolean) {
  const moved = [...old.processing, ...old.pending];
  rec.pending = [...moved, ...rec.pending];
  for (const m of moved) {
    const meta = old.meta.get(m.id);
    if (meta) rec.meta.set(m.id, meta);
  }
  // The old letters are older: they go in front, and the cap drops from the front.
  const own = rec.dead;
  const ownIds = new Set(own.map((d) => d.message.id));
  rec.dead = [];
  bury(rec, [...old.dead.filter((d) => !ownIds.has(d.message.id)), ...own]);
  if (!keepRole && old.role !== null) rec.role = old.role;
  const topics = [...old.topics];
  for (const name of topics) {
    removeSubscription(store, old.id, name);
    addSubscription(store, rec, name);
  }
  store.instances.delete(old.id);
  return { from: old.id, messages: moved.length, topics: topics.length };
}

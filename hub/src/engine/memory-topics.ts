import { Cc2ccError, type TopicInfo } from "@cc2cc/shared";
import { type InstanceRecord, iso, type MemoryStore, sortedIds, type TopicRecord } from "./memory-state.js";

export function topicInfo(t: TopicRecord): TopicInfo {
  return { name: t.name, subscribers: t.subscribers.size, createdAt: iso(t.createdAt), keep: t.keep };
}

function ensureTopic(
  store: MemoryStore,
  name: string,
  keep: boolean,
): { topic: TopicRecord; created: boolean } {
  const existing = store.topics.get(name);
  if (existing) return { topic: existing, created: false };
  const now = store.now();
  const topic: TopicRecord = { name, createdAt: now, keep, subscribers: new Set(), emptySince: now };
  store.topics.set(name, topic);
  return { topic, created: true };
}

export function addSubscription(store: MemoryStore, rec: InstanceRecord, name: string): boolean {
  const { topic, created } = ensureTopic(store, name, false);
  topic.subscribers.add(rec.id);
  topic.emptySince = null;
  rec.topics.add(name);
  return created;
}

export function removeSubscription(store: MemoryStore, instanceId: string, name: string): boolean {
  const topic = store.topics.get(name);
  store.instances.get(instanceId)?.topics.delete(name);
  if (!topic?.subscribers.delete(instanceId)) return false;
  if (topic.subscribers.size === 0) topic.emptySince = store.now();
  return true;
}

/** Drop every subscription of an instance that is going away. */
export function dropSubscriptions(store: MemoryStore, rec: InstanceRecord): void {
  for (const name of [...rec.topics]) removeSubscription(store, rec.id, name);
}

export function createTopicOps(store: MemoryStore) {
  return {
    async subscribe(instanceId: string, topic: string): Promise<{ created: boolean }> {
      const rec = store.instances.get(instanceId);
      if (!rec) throw new Cc2ccError("NOT_FOUND", `unknown instance ${instanceId}`);
      return { created: addSubscription(store, rec, topic) };
    },
    async unsubscribe(instanceId: string, topic: string): Promise<{ removed: boolean }> {
      return { removed: removeSubscription(store, instanceId, topic) };
    },
    async createTopic(
      name: string,
      opts?: { keep?: boolean },
    ): Promise<{ topic: TopicInfo; created: boolean }> {
      const { topic, created } = ensureTopic(store, name, opts?.keep ?? false);
      // An omitted keep leaves the stored flag alone; only an explicit one changes it.
      if (opts?.keep !== undefined) topic.keep = opts.keep;
      return { topic: topicInfo(topic), created };
    },
    async deleteTopic(name: string): Promise<boolean> {
      const topic = store.topics.get(name);
      if (!topic) return false;
      for (const id of topic.subscribers) store.instances.get(id)?.topics.delete(name);
      store.topics.delete(name);
      return true;
    },
    async listTopics(): Promise<TopicInfo[]> {
      return [...store.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(topicInfo);
    },
    async topicSubscribers(name: string): Promise<string[] | null> {
      const topic = store.topics.get(name);
      return topic ? sortedIds(topic.subscribers) : null;
    },
    async instanceTopics(instanceId: string): Promise<string[]> {
      return sortedIds(store.instances.get(instanceId)?.topics ?? []);
    },
  };
}

import type { TopicInfo } from "@cc2cc/shared";
import { execAll, iso, type RedisContext } from "./redis-context.js";
import { checkReply } from "./redis-errors.js";

/** The three {global} keys every topic script declares. */
function topicKeys(ctx: RedisContext, topic: string): string[] {
  const k = ctx.keys;
  return [k.topicRegistry, k.subscribers(topic), k.topicEmpty];
}

export async function subscribe(
  ctx: RedisContext,
  instanceId: string,
  topic: string,
): Promise<{ created: boolean }> {
  const k = ctx.keys.instance(instanceId);
  // The instance side first: an unknown instance must not leave a topic behind.
  checkReply(await ctx.scripts.run("instance-subscribe-2", [k.info, k.topics], [topic]), instanceId);
  const created = await ctx.scripts.run("topic-subscribe-3", topicKeys(ctx, topic), [topic, instanceId]);
  return { created: created === 1 };
}

export async function unsubscribe(
  ctx: RedisContext,
  instanceId: string,
  topic: string,
): Promise<{ removed: boolean }> {
  const p = ctx.redis.pipeline().srem(ctx.keys.instance(instanceId).topics, topic);
  ctx.scripts.queue(p, "topic-unsubscribe-3", topicKeys(ctx, topic), [topic, instanceId]);
  const [own, fromTopic] = await execAll(p);
  return { removed: own === 1 || fromTopic === 1 };
}

export async function createTopic(
  ctx: RedisContext,
  name: string,
  opts: { keep?: boolean } = {},
): Promise<{ topic: TopicInfo; created: boolean }> {
  const keep = opts.keep === undefined ? "" : opts.keep ? "1" : "0";
  const [created, createdAt, stored, subscribers] = (await ctx.scripts.run(
    "topic-create-3",
    topicKeys(ctx, name),
    [name, keep],
  )) as [number, string, string, number];
  return {
    created: created === 1,
    topic: { name, subscribers, createdAt: iso(createdAt), keep: stored === "1" },
  };
}

export async function deleteTopic(ctx: RedisContext, name: string): Promise<boolean> {
  const [existed, ...subscribers] = (await ctx.scripts.run("topic-delete-3", topicKeys(ctx, name), [
    name,
  ])) as [number, ...string[]];
  if (existed !== 1) return false;
  if (subscribers.length > 0) {
    const p = ctx.redis.pipeline();
    for (const id of subscribers) p.srem(ctx.keys.instance(id).topics, name);
    await execAll(p);
  }
  return true;
}

export async function listTopics(ctx: RedisContext): Promise<TopicInfo[]> {
  const registry = await ctx.redis.hgetall(ctx.keys.topicRegistry);
  const names = Object.keys(registry).sort();
  if (names.length === 0) return [];
  const p = ctx.redis.pipeline();
  for (const name of names) p.scard(ctx.keys.subscribers(name));
  const counts = await execAll(p);
  return names.map((name, i) => {
    const [createdAt, keep] = (registry[name] ?? "0:0").split(":");
    return { name, subscribers: Number(counts[i]), createdAt: iso(createdAt), keep: keep === "1" };
  });
}

export async function topicSubscribers(ctx: RedisContext, name: string): Promise<string[] | null> {
  const [exists, members] = await execAll(
    ctx.redis.multi().hexists(ctx.keys.topicRegistry, name).smembers(ctx.keys.subscribers(name)),
  );
  return exists === 1 ? (members as string[]).sort() : null;
}

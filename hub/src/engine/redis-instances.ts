import { Cc2ccError, type InstanceInfo } from "@cc2cc/shared";
import {
  execAll,
  queueUnsubscribes,
  type RedisContext,
  readInstance,
  readInstances,
} from "./redis-context.js";
import { checkReply } from "./redis-errors.js";
import { instanceKeyList, messageKeyList } from "./redis-keys.js";

export async function heartbeat(
  ctx: RedisContext,
  held: ReadonlyArray<{ instanceId: string; connId: string }>,
): Promise<string[]> {
  if (held.length === 0) return [];
  const { keys, opts, scripts, redis } = ctx;
  const p = redis.pipeline();
  for (const h of held) {
    const k = keys.instance(h.instanceId);
    scripts.queue(
      p,
      "heartbeat-8",
      [k.info, k.presence, ...messageKeyList(k)],
      [h.connId, opts.presenceTtlMs, opts.queueTtlMs],
    );
  }
  const replies = (await execAll(p)) as number[];
  const stale = held.filter((_, i) => !replies[i]).map((h) => h.instanceId);
  if (stale.length < held.length) {
    const scores = redis.multi();
    held.forEach((h, i) => {
      const now = replies[i];
      if (now) scores.zadd(keys.held, "GT", now, h.instanceId).zadd(keys.index, "GT", now, h.instanceId);
    });
    await execAll(scores);
  }
  return stale;
}

export async function disconnect(ctx: RedisContext, instanceId: string, connId: string): Promise<boolean> {
  const k = ctx.keys.instance(instanceId);
  const [done, , now] = (await ctx.scripts.run(
    "disconnect-8",
    [k.info, k.presence, ...messageKeyList(k)],
    [connId, ctx.opts.queueTtlMs],
  )) as [number, number?, number?];
  if (done !== 1) return false;
  // The held entry stays until the reaper sees nobody holds the instance; removing it here
  // could race with a register on another replica that just added it.
  await ctx.redis.zadd(ctx.keys.index, "GT", now ?? 0, instanceId);
  return true;
}

export async function getInstance(ctx: RedisContext, instanceId: string): Promise<InstanceInfo | null> {
  return readInstance(ctx, instanceId);
}

export async function listInstances(ctx: RedisContext): Promise<InstanceInfo[]> {
  const ids = (await ctx.redis.zrange(ctx.keys.index, 0, -1)).sort();
  return (await readInstances(ctx, ids)).filter((i): i is InstanceInfo => i !== null);
}

export async function setRole(
  ctx: RedisContext,
  instanceId: string,
  role: string | null,
): Promise<InstanceInfo> {
  checkReply(
    await ctx.scripts.run("set-role-1", [ctx.keys.instance(instanceId).info], [role ?? ""]),
    instanceId,
  );
  const info = await readInstance(ctx, instanceId);
  if (!info) throw new Cc2ccError("NOT_FOUND", `${instanceId} does not exist`);
  return info;
}

export async function removeInstance(ctx: RedisContext, instanceId: string): Promise<void> {
  const { keys, scripts, redis } = ctx;
  const reply = checkReply(
    await scripts.run("remove-instance-9", instanceKeyList(keys.instance(instanceId)), []),
    instanceId,
  ) as [number, ...string[]];
  const [now, ...topics] = reply;
  const p = redis.pipeline();
  scripts.queue(p, "zrem-older-1", [keys.index], [now + 1, instanceId]);
  scripts.queue(p, "zrem-older-1", [keys.held], [now + 1, instanceId]);
  queueUnsubscribes(ctx, p, instanceId, topics);
  await execAll(p);
}

export async function instanceTopics(ctx: RedisContext, instanceId: string): Promise<string[]> {
  return (await ctx.redis.smembers(ctx.keys.instance(instanceId).topics)).sort();
}

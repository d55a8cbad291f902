import { Cc2ccError } from "@cc2cc/shared";
import { DEAD_LETTER_CAP, type RegisterInput, type RegisterResult } from "./engine.js";
import { execAll, type RedisContext, readInstance } from "./redis-context.js";
import { checkReply } from "./redis-errors.js";
import { instanceTopics } from "./redis-instances.js";
import { instanceKeyList, sameTag } from "./redis-keys.js";

/**
 * One script binds the connection, requeues, and (after /clear) migrates the old session of
 * the same user@host:project; the {global} index and subscriber sets follow in one MULTI.
 */
export async function register(ctx: RedisContext, input: RegisterInput): Promise<RegisterResult> {
  const { keys, opts, scripts, redis } = ctx;
  const id = input.instanceId;
  const from = input.migrateFrom && input.migrateFrom.instanceId !== id ? input.migrateFrom : undefined;
  if (from && !sameTag(from.instanceId, id)) {
    throw new Cc2ccError("VALIDATION", "migrateFrom must be an instance of the same user@host:project", {
      field: "migrateFrom.instanceId",
    });
  }
  const own = instanceKeyList(keys.instance(id));
  const old = from ? instanceKeyList(keys.instance(from.instanceId)) : own;
  const reply = checkReply(
    await scripts.run(
      "register-18",
      [...own, ...old],
      [
        input.secretHash,
        input.role ?? "",
        input.replica,
        input.connId,
        opts.presenceTtlMs,
        opts.queueTtlMs,
        from ? "1" : "0",
        from?.secretHash ?? "",
        DEAD_LETTER_CAP,
      ],
    ),
    from ? `${id} (migrating from ${from.instanceId})` : id,
  ) as Array<number | string>;
  const [now, created, requeued, migrated, moved, ...movedTopics] = reply as [
    number,
    number,
    number,
    number,
    number,
    ...string[],
  ];

  // Global follow-ups live in the {global} slot: idempotent, one MULTI.
  const m = redis.multi().zadd(keys.index, now, id).zadd(keys.held, now, id);
  if (from && migrated === 1) {
    m.zrem(keys.index, from.instanceId).zrem(keys.held, from.instanceId);
    for (const t of movedTopics) m.sadd(keys.subscribers(t), id).srem(keys.subscribers(t), from.instanceId);
  }
  await execAll(m);

  const [instance, topics] = await Promise.all([readInstance(ctx, id), instanceTopics(ctx, id)]);
  if (!instance) throw new Cc2ccError("ENGINE_UNAVAILABLE", `${id} vanished right after registering`);
  return {
    instance,
    topics,
    created: created === 1,
    requeued,
    ...(from && migrated === 1
      ? { migrated: { from: from.instanceId, messages: moved, topics: movedTopics.length } }
      : {}),
  };
}

import type { HubEvent, MessageRecord, ThreadDetail, ThreadPage, ThreadQuery } from "@cc2cc/shared";
import { execAll } from "../engine/redis-context.js";
import { receiversOf } from "./aggregates.js";
import type { RedisHistoryContext } from "./redis-history-keys.js";
import { records } from "./redis-history-read.js";
import { isAfterCursor, parseThreadCursor, threadCursor } from "./thread-page.js";

type Record_ = Omit<MessageRecord, "status">;
type SentEvent = Extract<HubEvent, { type: "message:sent" }>;

export async function thread(ctx: RedisHistoryContext, rootId: string): Promise<ThreadDetail | null> {
  const replies = await ctx.redis.lrange(ctx.keys.thread(rootId), 0, -1);
  const found = (await records(ctx, [rootId, ...replies])).filter((r): r is Record_ => r !== null);
  if (found.length === 0) return null;
  return { rootId, messages: found.map((m) => ({ ...m, status: null })) };
}

export async function threads(ctx: RedisHistoryContext, q: ThreadQuery): Promise<ThreadPage> {
  const { redis, keys } = ctx;
  const max = q.cursor !== undefined ? String(parseThreadCursor(q.cursor).score) : "+inf";
  const page: Array<[string, number]> = [];
  // Threads with the cursor's exact score were partly on the previous page: skip those.
  for (let offset = 0; page.length <= q.limit; offset += q.limit + 1) {
    const raw = await redis.zrevrangebyscore(
      keys.threads,
      max,
      "-inf",
      "WITHSCORES",
      "LIMIT",
      offset,
      q.limit + 1,
    );
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const member = raw[i]!;
      const score = Number(raw[i + 1]);
      if (isAfterCursor(score, member, q.cursor) && page.length <= q.limit) page.push([member, score]);
    }
    if (raw.length < (q.limit + 1) * 2) break;
  }
  const more = page.length > q.limit;
  const shown = page.slice(0, q.limit);
  const p = redis.pipeline();
  for (const [root] of shown) p.llen(keys.thread(root)).smembers(keys.participants(root));
  const meta = await execAll(p);
  const roots = await records(
    ctx,
    shown.map(([root]) => root),
  );
  const last = shown.at(-1);
  return {
    threads: shown.map(([rootId, score], i) => {
      const root = roots[i] ?? null;
      const participants = new Set(meta[i * 2 + 1] as string[]);
      if (root) {
        const sent = { message: root.message, recipients: root.recipients } as SentEvent;
        for (const id of [root.message.from, ...receiversOf(sent)]) participants.add(id);
      }
      return {
        rootId,
        root: root?.message ?? null,
        messages: Number(meta[i * 2]) + 1,
        participants: [...participants].sort(),
        lastAt: new Date(score).toISOString(),
      };
    }),
    next: more && last ? threadCursor(last[1], last[0]) : null,
  };
}

import { describe, expect, test } from "vitest";
import { DASHBOARD_KEY } from "../helpers/hub-process.js";
import { ENGINES, expectError, type Stack, sleep, uniq, withStack } from "./stack.js";

const QUEUE_TTL_MS = 1500;
const TOPIC_EMPTY_TTL_MS = 1000;

/**
 * Expiry with the TTLs shortened to seconds: offline instances (with their queues) are removed
 * for good and drop out of subscriber sets; empty topics expire unless kept.
 */
describe.each(ENGINES)(
  "expiry of instances and topics (%s engine)",
  (engine) => {
    let stack: Stack;

    withStack(
      {
        engine,
        env: { CC2CC_QUEUE_TTL: String(QUEUE_TTL_MS), CC2CC_TOPIC_EMPTY_TTL: String(TOPIC_EMPTY_TTL_MS) },
      },
      (s) => {
        stack = s;
      },
    );

    async function subscribers(topic: string): Promise<string[] | null> {
      const res = await stack.hub.fetch(`/api/topics/${topic}/subscribers`, {
        headers: { authorization: `Bearer ${DASHBOARD_KEY}` },
      });
      if (res.status === 404) return null;
      return ((await res.json()) as { subscribers: string[] }).subscribers;
    }

    test("an instance offline past the queue TTL is gone: from the list, its topics and addressing", async () => {
      const topic = uniq("gone");
      const a = await stack.client();
      const c = await stack.client();
      for (const x of [a, c]) await x.ok("subscribe_topic", { topic });
      c.close();
      await stack.waitPresence(c.instanceId, false);
      const queued = await a.send(c.instanceId, "you will never read this");
      expect(queued.ok).toBe(true);
      const started = Date.now();
      const deadline = Date.now() + QUEUE_TTL_MS * 4 + 3000;
      while (Date.now() < deadline && (await stack.instances()).some((i) => i.instanceId === c.instanceId)) {
        await sleep(200);
      }
      const removedAfterMs = Date.now() - started;
      expect((await stack.instances()).some((i) => i.instanceId === c.instanceId)).toBe(false);
      expect(await subscribers(topic)).toEqual([a.instanceId]);
      expect((await a.ok("list_topics", {})).topics.find((t) => t.name === topic)?.subscribers).toBe(1);
      expectError(await a.send(c.instanceId, "still there?"), "UNKNOWN_RECIPIENT");
      // The live one is untouched by the same expiry.
      expect((await a.ok("whoami", {})).instance.online).toBe(true);
      console.log(
        `expiry(${engine}): queue_ttl_ms=${QUEUE_TTL_MS} instance_removed_after_ms=${removedAfterMs}`,
      );
    });

    test("an empty topic expires unless it is kept", async () => {
      const empty = uniq("empty");
      const kept = uniq("kept");
      const a = await stack.client();
      await a.ok("subscribe_topic", { topic: empty });
      await a.ok("unsubscribe_topic", { topic: empty });
      const res = await stack.hub.fetch("/api/topics", {
        method: "POST",
        headers: { authorization: `Bearer ${DASHBOARD_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: kept, keep: true }),
      });
      expect(res.status).toBe(201);
      const started = Date.now();
      const names = async () => new Set((await a.ok("list_topics", {})).topics.map((t) => t.name));
      const deadline = Date.now() + TOPIC_EMPTY_TTL_MS * 4 + 3000;
      while (Date.now() < deadline && (await names()).has(empty)) await sleep(200);
      const expiredAfterMs = Date.now() - started;
      const now = await names();
      expect(now.has(empty)).toBe(false);
      expect(now.has(kept)).toBe(true);
      expect(await subscribers(kept)).toEqual([]);
      console.log(
        `expiry(${engine}): topic_empty_ttl_ms=${TOPIC_EMPTY_TTL_MS} topic_expired_after_ms=${expiredAfterMs}`,
      );
    });
  },
  30_000,
);

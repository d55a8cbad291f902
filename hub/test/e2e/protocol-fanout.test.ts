import { describe, expect, test } from "vitest";
import { makeInstanceId, makeSecret } from "../helpers/test-client.js";
import { ENGINES, expectError, type Stack, sleep, uniq, withStack } from "./stack.js";

/** Broadcast, topics and ping through the socket.io protocol, on both engines. */
describe.each(ENGINES)(
  "fan-out and round trips over socket.io (%s engine)",
  (engine) => {
    let stack: Stack;

    withStack({ engine, env: { CC2CC_BROADCAST_INTERVAL: "3s" } }, (s) => {
      stack = s;
    });

    test("broadcast reaches every other live client once; a second one is RATE_LIMITED with retryAfterMs", async () => {
      const sender = await stack.client();
      const others = [await stack.client(), await stack.client(), await stack.client()];
      const first = await sender.request("broadcast", { type: "task", content: "hello all" });
      if (!first.ok) throw new Error(JSON.stringify(first.error));
      expect(first.data.recipients).toEqual([]);
      expect(first.data.liveRecipients).toBeGreaterThanOrEqual(3);
      for (const o of others) {
        const d = await o.waitForDelivery((m) => m.id === first.data.message.id);
        expect(d.requiresAck).toBe(false);
        expect(d.message).toMatchObject({ to: "broadcast", from: sender.instanceId });
      }
      const second = await sender.request("broadcast", { requestId: "bc-2", type: "task", content: "again" });
      const err = expectError(second, "RATE_LIMITED");
      expect(second.requestId).toBe("bc-2");
      const retryAfterMs = Number(err.details?.retryAfterMs);
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(3000);
      await sleep(300);
      const copies = others.map((o) =>
        o.messagesWith((m) => m.to === "broadcast" && m.from === sender.instanceId),
      );
      expect(copies.map((c) => c.length)).toEqual([1, 1, 1]);
      console.log(
        `broadcast(${engine}): live_recipients=${first.data.liveRecipients} delivered=${copies.flat().length} limited_retry_ms=${retryAfterMs}`,
      );
    });

    test("topics: subscribing creates and lists with counts; unsubscribe lowers the count", async () => {
      const topic = uniq("topic");
      const a = await stack.client();
      const b = await stack.client();
      expect(await a.ok("subscribe_topic", { topic })).toEqual({ topic, subscribed: true });
      await b.ok("subscribe_topic", { topic });
      const listed = (await a.ok("list_topics", {})).topics.find((t) => t.name === topic);
      expect(listed).toMatchObject({ name: topic, subscribers: 2 });
      expect((await b.ok("whoami", {})).topics).toContain(topic);
      expect(await b.ok("unsubscribe_topic", { topic })).toEqual({ topic, subscribed: false });
      const after = (await a.ok("list_topics", {})).topics.find((t) => t.name === topic);
      expect(after?.subscribers).toBe(1);
    });

    test("each instance joins its project's topic on connect", async () => {
      const project = uniq("project");
      const a = await stack.client({ instanceId: makeInstanceId(uniq("pj"), project) });
      const b = await stack.client({ instanceId: makeInstanceId(uniq("pj"), project) });
      expect(a.welcome.topics).toContain(project);
      const listed = (await a.ok("list_topics", {})).topics.find((t) => t.name === project);
      expect(listed?.subscribers).toBe(2);
      const r = await a.request("publish_topic", { topic: project, type: "task", content: "team note" });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await b.waitForDelivery((m) => m.id === r.data.message.id);
    });

    test("publish: live reaches online subscribers only; persistent is queued for an offline one", async () => {
      const topic = uniq("pub");
      const publisher = await stack.client();
      const online = await stack.client();
      const secret = makeSecret();
      const offline = await stack.client({ secret });
      for (const c of [online, offline]) await c.ok("subscribe_topic", { topic });
      offline.close();
      await stack.waitPresence(offline.instanceId, false);

      const live = await publisher.request("publish_topic", { topic, type: "result", content: "live only" });
      if (!live.ok) throw new Error(JSON.stringify(live.error));
      expect(live.data.recipients).toEqual([]);
      expect(live.data.liveRecipients).toBe(1);
      const liveCopy = await online.waitForDelivery((m) => m.id === live.data.message.id);
      expect(liveCopy.requiresAck).toBe(false);
      expect(liveCopy.message.topic).toBe(topic);

      const kept = await publisher.request("publish_topic", {
        topic,
        type: "result",
        content: "for everyone, kept",
        persistent: true,
      });
      if (!kept.ok) throw new Error(JSON.stringify(kept.error));
      expect([...kept.data.recipients].sort()).toEqual([online.instanceId, offline.instanceId].sort());
      const onlineKept = await online.waitForDelivery((m) => m.id === kept.data.message.id);
      expect(onlineKept.requiresAck).toBe(true);

      const back = await stack.client({ instanceId: offline.instanceId, secret });
      await back.waitForDelivery((m) => m.id === kept.data.message.id);
      await sleep(300);
      expect(back.messagesWith((m) => m.id === live.data.message.id)).toHaveLength(0);
      expect(back.welcome.topics).toContain(topic);
    });

    test("ping: a round trip through the other plugin, TIMEOUT when it does not answer", async () => {
      const a = await stack.client();
      const alive = await stack.client();
      const hung = await stack.client({ answerPings: false });
      const pong = await a.ok("ping", { to: alive.instanceId, timeoutMs: 2000 });
      expect(pong.instanceId).toBe(alive.instanceId);
      expect(pong.rttMs).toBeGreaterThanOrEqual(0);
      expect(alive.pings.at(-1)?.from).toBe(a.instanceId);

      const started = Date.now();
      const reply = await a.request("ping", { requestId: "ping-hung", to: hung.instanceId, timeoutMs: 400 });
      const waited = Date.now() - started;
      expectError(reply, "TIMEOUT");
      expect(reply.requestId).toBe("ping-hung");
      expect(waited).toBeGreaterThanOrEqual(350);
      expect(waited).toBeLessThan(3000);
      expect(hung.pings.length).toBe(1);

      const gone = await stack.client();
      gone.close();
      await stack.waitPresence(gone.instanceId, false);
      expectError(await a.request("ping", { to: gone.instanceId, timeoutMs: 400 }), "TIMEOUT");
      expectError(await a.request("ping", { to: makeInstanceId(uniq("nobody")) }), "UNKNOWN_RECIPIENT");
      console.log(`ping(${engine}): rtt_ms=${pong.rttMs} timeout_after_ms=${waited}`);
    });
  },
  20_000,
);

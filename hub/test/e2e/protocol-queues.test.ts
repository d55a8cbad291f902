import { describe, expect, test } from "vitest";
import { type DataOf, makeSecret, waitUntil } from "../helpers/test-client.js";
import { ENGINES, expectError, type Stack, sleep, withStack } from "./stack.js";

/**
 * Queues through the socket.io protocol, on both engines. QUEUE_MAX is tiny so the cap is
 * reachable; the in-flight window is smaller than the cap so draining needs acks to make room.
 */
describe.each(ENGINES)(
  "queues and acks over socket.io (%s engine)",
  (engine) => {
    let stack: Stack;

    withStack({ engine, env: { CC2CC_QUEUE_MAX: "5", CC2CC_INFLIGHT_WINDOW: "3" } }, (s) => {
      stack = s;
    });

    const waitOffline = (id: string) => stack.waitPresence(id, false);

    test("queue cap: a send to a full queue is QUEUE_FULL, and the queue drains oldest first", async () => {
      const a = await stack.client();
      const secret = makeSecret();
      const b = await stack.client({ secret });
      b.close();
      await waitOffline(b.instanceId);
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await a.send(b.instanceId, `seq ${i}`, { requestId: `cap-${i}` });
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        expect(r.requestId).toBe(`cap-${i}`);
        sent.push(r.data.message.id);
      }
      const full = await a.send(b.instanceId, "one too many", { requestId: "cap-over" });
      expectError(full, "QUEUE_FULL");
      expect(full.requestId).toBe("cap-over");

      const back = await stack.client({ instanceId: b.instanceId, secret });
      await waitUntil(() => back.uniqueIds().size >= 5, 5000, "the five queued messages");
      const order = back.firstDeliveryOrder().map((m) => m.id);
      expect(order).toEqual(sent);
      expect(back.deliveries.length).toBe(5);
      console.log(`queue-cap(${engine}): accepted=5 refused=1 delivered_in_order=${order.length}`);
    });

    test("a message leaves only on ack: unacked is redelivered after reconnect, acked is not", async () => {
      const a = await stack.client();
      const secret = makeSecret();
      const b = await stack.client({ secret, autoAck: false });
      const r = await a.send(b.instanceId, "ack me");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      const id = r.data.message.id;
      await b.waitForDelivery((m) => m.id === id);
      // Several heartbeats and reaper rounds: the hub must not push it twice on one connection.
      await sleep(1500);
      expect(b.messagesWith((m) => m.id === id)).toHaveLength(1);

      b.close();
      const b2 = await stack.client({ instanceId: b.instanceId, secret, autoAck: false });
      await b2.waitForDelivery((m) => m.id === id, 5000, "the unacked message again");
      expect(await b2.ack([id])).toBe(1);
      expect(await b2.ack([id])).toBe(0);

      b2.close();
      const b3 = await stack.client({ instanceId: b.instanceId, secret, autoAck: false });
      await sleep(800);
      expect(b3.messagesWith((m) => m.id === id)).toHaveLength(0);
      const me = (await b3.ok("whoami", {})).instance;
      expect(me).toMatchObject({ queueDepth: 0, processing: 0 });
    });

    test("an ack without a callback is applied (no reply); a bad one comes back as a notice", async () => {
      const a = await stack.client();
      const secret = makeSecret();
      const b = await stack.client({ secret, autoAck: false });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await a.send(b.instanceId, `quiet ack ${i}`);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        ids.push(r.data.message.id);
      }
      await waitUntil(() => b.uniqueIds().size === 3, 5000, "three deliveries");
      b.emitNoAck("ack", { messageIds: ids });
      let me = (await b.ok("whoami", {})).instance;
      for (let i = 0; i < 50 && me.processing > 0; i++) {
        await sleep(50);
        me = (await b.ok("whoami", {})).instance;
      }
      expect(me).toMatchObject({ queueDepth: 0, processing: 0 });
      b.emitNoAck("ack", { messageIds: [] });
      await waitUntil(() => b.notices.length === 1, 5000, "a notice for the bad ack");
      expect(b.notices[0]).toMatchObject({ code: "VALIDATION" });
      expect(b.notices[0]!.message).toMatch(/^VALIDATION: /);

      // Nothing comes back after a reconnect: the quiet ack was as good as one with a reply.
      b.close();
      const b2 = await stack.client({ instanceId: b.instanceId, secret, autoAck: false });
      await sleep(500);
      expect(b2.messagesWith((m) => ids.includes(m.id))).toHaveLength(0);
      expect(b2.notices).toEqual([]);
    });

    test("get_messages: a poll at connect takes the queue's head; push and poll deliver each message once", async () => {
      const a = await stack.client();
      const secret = makeSecret();
      const b = await stack.client({ secret });
      b.close();
      await waitOffline(b.instanceId);
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await a.send(b.instanceId, `poll ${i}`);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        sent.push(r.data.message.id);
      }
      // Poll the moment the socket connects, racing the hub's own push of the drained queue.
      let firstPoll: Promise<DataOf<"get_messages">> | undefined;
      const back = await stack.client({
        instanceId: b.instanceId,
        secret,
        autoAck: false,
        onConnect: (c) => {
          firstPoll ??= c.ok("get_messages", { limit: 2 });
        },
      });
      const polled = (await firstPoll!).messages.map((m) => m.id);
      // Whichever claim came first, the poll got the head of the queue (or nothing).
      expect(polled).toEqual(sent.slice(0, polled.length));
      expect(polled.length).toBeLessThanOrEqual(2);
      // The window (3) bounds what push and poll hold together until acks make room.
      await waitUntil(() => back.deliveries.length + polled.length >= 3, 5000, "the first window");
      await sleep(200);
      expect(back.deliveries.length + polled.length).toBe(3);
      expect((await back.ok("get_messages", { limit: 10 })).messages).toEqual([]);
      expect((await back.ok("whoami", {})).instance).toMatchObject({ queueDepth: 2, processing: 3 });

      const deadline = Date.now() + 5000;
      while (
        new Set([...back.deliveries.map((d) => d.message.id), ...polled]).size < 5 &&
        Date.now() < deadline
      ) {
        await back.ack([...new Set([...back.deliveries.map((d) => d.message.id), ...polled])]);
        polled.push(...(await back.ok("get_messages", { limit: 10 })).messages.map((m) => m.id));
      }
      const pushed = back.deliveries.map((d) => d.message.id);
      expect(new Set([...pushed, ...polled])).toEqual(new Set(sent));
      expect(pushed.filter((id) => polled.includes(id))).toEqual([]);
      expect(new Set(pushed).size).toBe(pushed.length);
      expect(new Set(polled).size).toBe(polled.length);
      await back.ack([...polled, ...pushed]);
      expectError(await back.request("get_messages", { limit: 1000 }), "VALIDATION");
      console.log(
        `get_messages(${engine}): sent=5 pushed=${pushed.length} polled=${polled.length} duplicates=0`,
      );
    });
  },
  20_000,
);

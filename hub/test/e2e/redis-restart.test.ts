import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeSecret, waitUntil } from "../helpers/test-client.js";
import { Stack } from "./stack.js";

const QUEUED = 200;
const WHILE_DOWN = 10;
const WINDOW = 8;

/**
 * Redis (AOF on, fsync every second) restarted between send and delivery. SIGTERM makes Redis
 * flush its AOF, so everything the hub acknowledged to a sender must come back.
 */
describe("Redis restart between send and delivery", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      engine: "redis",
      // The sender streams as fast as replies come back, past the default 200 frames/s guard.
      env: { CC2CC_INFLIGHT_WINDOW: String(WINDOW), CC2CC_FRAME_RATE: "100000", CC2CC_PAIR_RATE: "1000000" },
    });
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  }, 30_000);
  beforeEach((ctx) => stack.dumpLogsOnFailure(ctx));

  test("nothing accepted is lost, and sends while Redis is down are ENGINE_UNAVAILABLE", async () => {
    const redis = stack.redis!;
    const hub = stack.hub;
    const sender = await stack.client();
    // An offline recipient: everything waits in its queue.
    const offlineSecret = makeSecret();
    const offline = await stack.client({ secret: offlineSecret });
    offline.close();
    await stack.waitPresence(offline.instanceId, false);
    // An online recipient that does not ack yet: a window sits in its processing list.
    const holder = await stack.client({ autoAck: false });

    const accepted = { offline: [] as string[], holder: [] as string[] };
    for (let i = 0; i < QUEUED; i++) {
      for (const [who, to] of [
        ["offline", offline.instanceId],
        ["holder", holder.instanceId],
      ] as const) {
        const r = await sender.send(to, `before restart ${i}`);
        if (!r.ok) throw new Error(`send ${i} to ${who} refused: ${JSON.stringify(r.error)}`);
        accepted[who].push(r.data.message.id);
      }
    }
    await waitUntil(() => holder.deliveries.length >= WINDOW, 5000, "the holder's first window");

    await redis.stop("SIGTERM");
    await hub.waitReadyStatus(503, 10_000);
    const down = { sent: 0, refused: 0, accepted: [] as string[], other: [] as string[] };
    for (let i = 0; i < WHILE_DOWN; i++) {
      down.sent += 1;
      const started = Date.now();
      const r = await sender.request("send_message", {
        to: offline.instanceId,
        type: "task",
        content: `down ${i}`,
      });
      if (r.ok) down.accepted.push(r.data.message.id);
      else if (r.error.code === "ENGINE_UNAVAILABLE") down.refused += 1;
      else down.other.push(r.error.code);
      expect(Date.now() - started, "a refusal must come quickly, not after Redis returns").toBeLessThan(8000);
    }

    await redis.startProcess();
    await hub.waitReady(15_000);

    // The holder acks its window now; the rest streams after it.
    holder.autoAck = true;
    await waitUntil(() => holder.connected, 10_000, "holder connected again");
    await holder.ack([...holder.uniqueIds()]).catch(() => 0);
    const back = await stack.client({ instanceId: offline.instanceId, secret: offlineSecret });
    const expectedOffline = [...accepted.offline, ...down.accepted];
    await waitUntil(
      () => expectedOffline.every((id) => back.uniqueIds().has(id)),
      30_000,
      "every accepted message for the offline recipient",
    );
    await waitUntil(
      () => accepted.holder.every((id) => holder.uniqueIds().has(id)),
      30_000,
      "every accepted message for the holder",
    );
    const lostOffline = expectedOffline.filter((id) => !back.uniqueIds().has(id)).length;
    const lostHolder = accepted.holder.filter((id) => !holder.uniqueIds().has(id)).length;
    const dupOffline = back.deliveries.length - back.uniqueIds().size;
    const dupHolder = holder.deliveries.length - holder.uniqueIds().size;
    console.log(
      `redis-restart: accepted=${accepted.offline.length + accepted.holder.length} ` +
        `delivered_unique=${back.uniqueIds().size + holder.uniqueIds().size} lost=${lostOffline + lostHolder} ` +
        `duplicates=${dupOffline + dupHolder} | while_down: sent=${down.sent} engine_unavailable=${down.refused} ` +
        `accepted=${down.accepted.length} other=${down.other.join(",") || 0}`,
    );
    expect(lostOffline + lostHolder).toBe(0);
    expect(back.firstDeliveryOrder().map((m) => m.id)).toEqual(expectedOffline);
    expect(holder.firstDeliveryOrder().map((m) => m.id)).toEqual(accepted.holder);
    expect(down.refused).toBe(WHILE_DOWN);
    expect(dupOffline).toBe(0);
    expect(dupHolder).toBeLessThanOrEqual(WINDOW);

    const after = await sender.send(back.instanceId, "after the restart");
    if (!after.ok) throw new Error(JSON.stringify(after.error));
    await back.waitForDelivery((m) => m.id === after.data.message.id);
  }, 120_000);
});

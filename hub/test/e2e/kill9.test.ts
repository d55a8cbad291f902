import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { HubProcess } from "../helpers/hub-process.js";
import { makeSecret, waitUntil } from "../helpers/test-client.js";
import { Ingress } from "./ingress.js";
import { Stack, sleep, withStack } from "./stack.js";

const TOTAL = 1000;
const WINDOW = 32;
/** Kill once the stream is well under way: this many sent and at least a few hundred delivered. */
const KILL_AFTER_SENT = 350;
const KILL_AFTER_DELIVERED = 200;

/**
 * kill -9 of the replica holding a recipient while 1,000 messages stream to it. The recipient
 * reaches the hubs through an ingress stand-in (r1 first, then r3); the sender sits on r2.
 */
describe("kill -9 of the recipient's replica mid-stream", () => {
  let stack: Stack;
  let ingress: Ingress;
  let r1: HubProcess;
  let r2: HubProcess;
  let r3: HubProcess;

  beforeAll(async () => {
    stack = await Stack.start({
      engine: "redis",
      replicas: 3,
      env: {
        CC2CC_QUEUE_MAX: String(TOTAL * 2),
        CC2CC_INFLIGHT_WINDOW: String(WINDOW),
        // One sender streams as fast as replies come back, well past the default 200 frames/s guard.
        CC2CC_FRAME_RATE: "100000",
        CC2CC_PAIR_RATE: "1000000",
      },
    });
    [r1, r2, r3] = stack.hubs as [HubProcess, HubProcess, HubProcess];
    ingress = await Ingress.start([r1.port, r3.port, r2.port]);
  }, 30_000);
  afterAll(async () => {
    await ingress?.close();
    await stack?.close();
  }, 30_000);
  beforeEach((ctx) => stack.dumpLogsOnFailure(ctx));

  test("all 1,000 arrive after the reconnect, duplicates within the window, per-sender order kept", async () => {
    const recipient = await stack.client({ url: ingress.url });
    const sender = await stack.client({ url: r2.url });
    expect(recipient.welcome.replica).toBe("r1");

    const sentIds: string[] = [];
    const refused: string[] = [];
    let killedAt = -1;
    let killedAtDelivered = -1;
    let killTime = 0;
    const started = Date.now();
    for (let i = 0; i < TOTAL; i++) {
      const r = await sender.request("send_message", {
        to: recipient.instanceId,
        type: "task",
        content: `seq ${i}`,
        metadata: { seq: i },
      });
      if (r.ok) sentIds.push(r.data.message.id);
      else refused.push(`${i}: ${r.error.code} ${r.error.message}`);
      if (killedAt < 0 && i >= KILL_AFTER_SENT && recipient.uniqueIds().size >= KILL_AFTER_DELIVERED) {
        killedAt = i;
        killedAtDelivered = recipient.uniqueIds().size;
        killTime = Date.now();
        await r1.kill9();
      }
    }
    const sendMs = Date.now() - started;
    expect(refused).toEqual([]);
    expect(killedAt, "the stream finished before the kill could happen").toBeGreaterThan(0);

    await waitUntil(() => recipient.uniqueIds().size >= TOTAL, 60_000, `all ${TOTAL} messages`);
    await recipient.waitForWelcomes(2);
    const reconnectMs = (recipient.welcomeTimes[1] ?? killTime) - killTime;
    expect(recipient.welcome.replica).toBe("r3");

    const unique = recipient.uniqueIds();
    const duplicates = recipient.deliveries.length - unique.size;
    const lost = sentIds.filter((id) => !unique.has(id)).length;
    const order = recipient.firstDeliveryOrder().map((m) => m.id);
    const outOfOrder = order.filter((id, idx) => id !== sentIds[idx]).length;
    console.log(
      `kill-9: sent=${TOTAL} accepted=${sentIds.length} delivered_unique=${unique.size} duplicates=${duplicates} ` +
        `lost=${lost} out_of_order=${outOfOrder} window=${WINDOW} killed_after_sent=${killedAt + 1} ` +
        `killed_after_delivered=${killedAtDelivered} send_ms=${sendMs} reconnect_ms=${reconnectMs}`,
    );
    expect(sentIds).toHaveLength(TOTAL);
    expect(lost).toBe(0);
    expect(unique.size).toBe(TOTAL);
    expect(duplicates).toBeLessThanOrEqual(WINDOW);
    expect(order).toEqual(sentIds);
    expect(recipient.badFrames).toEqual([]);

    // Every ack landed: nothing is left pending or in flight.
    const deadline = Date.now() + 5000;
    let me = (await recipient.ok("whoami", {})).instance;
    while ((me.queueDepth > 0 || me.processing > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      me = (await recipient.ok("whoami", {})).instance;
    }
    expect(me).toMatchObject({ queueDepth: 0, processing: 0, online: true, replica: "r3" });
  }, 120_000);

  test("the reaper requeues the window of a recipient whose replica died and that never came back", async () => {
    const sender = await stack.client({ url: r2.url });
    const secret = makeSecret();
    const stranded = await stack.client({ url: r3.url, secret, autoAck: false, reconnection: false });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await sender.send(stranded.instanceId, `stranded ${i}`);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      ids.push(r.data.message.id);
    }
    await waitUntil(() => stranded.deliveries.length >= 10, 5000, "the window pushed to the stranded client");
    await r3.kill9();
    const killedAt = Date.now();
    // Presence (2 s) lapses with no heartbeat; the reaper on r2 marks it offline and requeues.
    const info = await stack.waitPresence(stranded.instanceId, false, 10_000);
    const offlineAfterMs = Date.now() - killedAt;
    const deadline = Date.now() + 5000;
    let seen = info;
    while (seen.processing > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await stack.instances()).find((i) => i.instanceId === stranded.instanceId) ?? seen;
    }
    expect(seen).toMatchObject({ online: false, processing: 0, queueDepth: ids.length });

    const back = await stack.client({ url: r2.url, instanceId: stranded.instanceId, secret });
    await waitUntil(() => back.uniqueIds().size >= ids.length, 10_000, "the requeued messages");
    expect(back.firstDeliveryOrder().map((m) => m.id)).toEqual(ids);
    expect(back.deliveries).toHaveLength(ids.length);
    console.log(
      `reaper: stranded=${ids.length} offline_after_ms=${offlineAfterMs} requeued=${seen.queueDepth} redelivered=${back.deliveries.length}`,
    );
  }, 60_000);
});

describe("kill -9 of a pinged plugin's replica", () => {
  let stack: Stack;
  withStack({ engine: "redis", replicas: 2 }, (s) => {
    stack = s;
  });

  test("a ping waits while the plugin moves to the surviving replica, then gets its answer", async () => {
    const [r1, r2] = stack.hubs as [HubProcess, HubProcess];
    const ingress = await Ingress.start([r1.port, r2.port]);
    const watcher = new Redis(stack.redis!.port, "127.0.0.1");
    try {
      const target = await stack.client({ url: ingress.url });
      const pinger = await stack.client({ url: r2.url });
      expect(target.welcome.replica).toBe("r1");
      await r1.kill9();
      const killedAt = Date.now();
      // Once Redis has seen r1's connections close, the adapter counts one replica: r2, where
      // the target has no socket until it reconnects. Presence still says online (2 s TTL).
      const replicas = async () => Number((await watcher.pubsub("NUMSUB", "cc2cc:sio-request#/plugin#"))[1]);
      while ((await replicas()) !== 1) {
        if (Date.now() - killedAt > 5000) throw new Error("Redis still counts r1's subscriber");
        await sleep(10);
      }
      expect(target.welcomeTimes).toHaveLength(1);
      const pong = await pinger.ok("ping", { to: target.instanceId, timeoutMs: 5000 });
      const answeredAfterMs = Date.now() - killedAt;
      expect(pong.instanceId).toBe(target.instanceId);
      expect(target.welcome.replica).toBe("r2");
      expect(target.pings).toHaveLength(1);
      console.log(`ping across kill -9: answered_after_ms=${answeredAfterMs} rtt_ms=${pong.rttMs}`);
    } finally {
      watcher.disconnect();
      await ingress.close();
    }
  }, 30_000);
});

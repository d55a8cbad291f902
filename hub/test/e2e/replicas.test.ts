import type { HubEvent, InstanceInfo } from "@cc2cc/shared";
import { Redis } from "ioredis";
import { beforeAll, describe, expect, test } from "vitest";
import { DASHBOARD_KEY, type HubProcess, PLUGIN_KEY } from "../helpers/hub-process.js";
import { makeInstanceId, makeSecret, TestClient, waitUntil } from "../helpers/test-client.js";
import { DashboardClient } from "./dashboard-client.js";
import { Ingress } from "./ingress.js";
import { expectError, type Stack, sleep, uniq, withStack } from "./stack.js";

/** Three hub replicas sharing one Redis, each client pinned to one replica. */
describe("three replicas on one Redis", () => {
  let stack: Stack;
  let r1: HubProcess;
  let r2: HubProcess;
  let r3: HubProcess;

  withStack({ engine: "redis", replicas: 3, env: { CC2CC_BROADCAST_INTERVAL: "3s" } }, (s) => {
    stack = s;
  });
  beforeAll(async () => {
    [r1, r2, r3] = stack.hubs as [HubProcess, HubProcess, HubProcess];
  }, 30_000);

  test("a message from a client on r1 reaches a client on r3, and the reply comes back", async () => {
    const a = await stack.client({ url: r1.url });
    const c = await stack.client({ url: r3.url, role: uniq("far") });
    expect([a.welcome.replica, c.welcome.replica]).toEqual(["r1", "r3"]);
    const sent = await a.send(c.instanceId, "across replicas");
    if (!sent.ok) throw new Error(JSON.stringify(sent.error));
    const got = await c.waitForDelivery((m) => m.id === sent.data.message.id);
    expect(got.message.from).toBe(a.instanceId);
    const reply = await c.request("send_message", {
      to: a.instanceId,
      type: "result",
      content: "back to r1",
      replyTo: sent.data.message.id,
    });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    const back = await a.waitForDelivery((m) => m.id === reply.data.message.id);
    expect(back.message.replyTo).toBe(sent.data.message.id);
    const viaRole = await a.send(`role:${c.welcome.instance.role}`, "by role, across replicas");
    if (!viaRole.ok) throw new Error(JSON.stringify(viaRole.error));
    await c.waitForDelivery((m) => m.id === viaRole.data.message.id);
  });

  test("broadcast reaches clients on every replica; its limit holds across replicas", async () => {
    const secret = makeSecret();
    const sender = await stack.client({ url: r1.url, secret });
    const receivers = [
      await stack.client({ url: r1.url }),
      await stack.client({ url: r2.url }),
      await stack.client({ url: r3.url }),
    ];
    const first = await sender.request("broadcast", { type: "task", content: "everyone, everywhere" });
    if (!first.ok) throw new Error(JSON.stringify(first.error));
    for (const rc of receivers) await rc.waitForDelivery((m) => m.id === first.data.message.id);
    await sleep(300);
    const counts = receivers.map((rc) => rc.messagesWith((m) => m.id === first.data.message.id).length);
    expect(counts).toEqual([1, 1, 1]);

    // The same sender, now on r2, is still inside the window that r1 counted.
    sender.close();
    await stack.waitPresence(sender.instanceId, false);
    const moved = await stack.client({ url: r2.url, instanceId: sender.instanceId, secret });
    expectError(await moved.request("broadcast", { type: "task", content: "again from r2" }), "RATE_LIMITED");
    console.log(
      `replicas broadcast: replicas=3 receivers=${receivers.length} per_receiver=${counts.join(",")}`,
    );
  });

  test("topics reach subscribers on every replica, live and persistent", async () => {
    const topic = uniq("xrep");
    const publisher = await stack.client({ url: r2.url });
    const subs = [
      await stack.client({ url: r1.url }),
      await stack.client({ url: r2.url }),
      await stack.client({ url: r3.url }),
    ];
    for (const s of subs) await s.ok("subscribe_topic", { topic });
    const counts = await Promise.all([r1, r2, r3].map((h) => topicCount(h, topic)));
    expect(counts).toEqual([3, 3, 3]);

    const live = await publisher.request("publish_topic", {
      topic,
      type: "task",
      content: "live everywhere",
    });
    if (!live.ok) throw new Error(JSON.stringify(live.error));
    expect(live.data.liveRecipients).toBe(3);
    for (const s of subs) await s.waitForDelivery((m) => m.id === live.data.message.id);

    const kept = await publisher.request("publish_topic", {
      topic,
      type: "task",
      content: "queued everywhere",
      persistent: true,
    });
    if (!kept.ok) throw new Error(JSON.stringify(kept.error));
    expect(kept.data.recipients).toHaveLength(3);
    for (const s of subs) {
      const d = await s.waitForDelivery((m) => m.id === kept.data.message.id);
      expect(d.requiresAck).toBe(true);
    }
  });

  async function topicCount(hub: HubProcess, topic: string): Promise<number | undefined> {
    const c = await stack.client({ url: hub.url });
    const topics = (await c.ok("list_topics", {})).topics;
    c.close();
    return topics.find((t) => t.name === topic)?.subscribers;
  }

  test("list_instances is the same from every replica and names each holder", async () => {
    const user = uniq("lst");
    const pinned = new Map<string, string>();
    for (const h of [r1, r2, r3]) {
      const c = await stack.client({ url: h.url, instanceId: makeInstanceId(user) });
      pinned.set(c.instanceId, h.replica);
    }
    const away = await stack.client({ url: r2.url, instanceId: makeInstanceId(user) });
    away.close();
    await stack.waitPresence(away.instanceId, false);
    const project = (i: InstanceInfo) => ({
      id: i.instanceId,
      online: i.online,
      role: i.role,
      replica: i.replica,
      queueDepth: i.queueDepth,
      processing: i.processing,
    });
    const views = await Promise.all(
      [r1, r2, r3].map(async (h) => {
        const c = await TestClient.connect({ url: h.url, instanceId: makeInstanceId(uniq("viewer")) });
        const list = (await c.ok("list_instances", {})).instances;
        c.close();
        return list.filter((i) => i.instanceId.startsWith(`${user}@`)).map(project);
      }),
    );
    expect(views[0]).toHaveLength(4);
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    for (const v of views[0] ?? []) {
      if (v.id === away.instanceId) expect(v).toMatchObject({ online: false, replica: "r2" });
      else expect(v).toMatchObject({ online: true, replica: pinned.get(v.id) });
    }
    console.log(`replicas list_instances: views=3 instances=${views[0]?.length} identical=true`);
  });

  test("no dashboard anywhere: no dashboard events go through Redis; one that connects sees the next at once", async () => {
    const watcher = new Redis(stack.redis!.port, "127.0.0.1");
    const published: string[] = [];
    try {
      await watcher.psubscribe("*sio#/dashboard#*");
      watcher.on("pmessage", (_p: string, channel: string) => published.push(channel));
      const a = await stack.client({ url: r1.url });
      const c = await stack.client({ url: r3.url });
      for (let i = 0; i < 10; i++) {
        const s = await a.send(c.instanceId, `unwatched ${i}`);
        if (!s.ok) throw new Error(JSON.stringify(s.error));
        await c.waitForDelivery((m) => m.id === s.data.message.id);
      }
      await sleep(300);
      const unwatched = published.length;
      const dash = await DashboardClient.connect(r2.url, DASHBOARD_KEY);
      try {
        // No wait after the connect: the other replicas heard of the dashboard before it.
        const s = await a.send(c.instanceId, "watched at once");
        if (!s.ok) throw new Error(JSON.stringify(s.error));
        await dash.waitFor(
          (e) => e.type === "message:sent" && e.message.id === s.data.message.id && e.replica === "r1",
          "message:sent from r1 right after the connect",
        );
        console.log(
          `replicas dashboard presence: ${unwatched} dashboard publishes for 10 unwatched sends, ${published.length - unwatched} once watched`,
        );
        expect(unwatched).toBe(0);
        expect(published.length).toBeGreaterThan(0);
      } finally {
        dash.close();
      }
    } finally {
      watcher.disconnect();
    }
  });

  test("a dashboard on r2 sees what happens on r1 and r3; a plugin key cannot open it", async () => {
    const refused = await DashboardClient.connect(r2.url, PLUGIN_KEY).catch(
      (err: { data?: unknown }) => err.data,
    );
    expect(refused).toMatchObject({ code: "FORBIDDEN" });
    const dash = await DashboardClient.connect(r2.url, DASHBOARD_KEY);
    try {
      const a = await stack.client({ url: r1.url });
      const c = await stack.client({ url: r3.url });
      await dash.waitFor(
        (e) =>
          e.type === "instance:connected" && e.instance.instanceId === c.instanceId && e.replica === "r3",
        "instance:connected from r3",
      );
      const r = await a.send(c.instanceId, "watched");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await dash.waitFor(
        (e) => e.type === "message:sent" && e.message.id === r.data.message.id && e.replica === "r1",
        "message:sent from r1",
      );
      await dash.waitFor(
        (e) => e.type === "message:acked" && e.messageIds.includes(r.data.message.id) && e.replica === "r3",
        "message:acked from r3",
      );
      // Events travel in arrays per replica, in the order that replica saw them.
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const s = await a.send(c.instanceId, `in order ${i}`);
        if (!s.ok) throw new Error(JSON.stringify(s.error));
        ids.push(s.data.message.id);
      }
      const sentOf = (e: HubEvent) => (e.type === "message:sent" && ids.includes(e.message.id) ? e : null);
      await waitUntil(() => dash.events.filter(sentOf).length === ids.length, 5000, "20 message:sent");
      const seen = dash.events.filter(sentOf);
      expect(seen.map((e) => sentOf(e)!.message.id)).toEqual(ids);
      expect(seen.every((e) => e.replica === "r1")).toBe(true);
      const arrays = new Set(seen.map((e) => dash.batchOf(e)));
      expect(arrays.size).toBeLessThan(ids.length);
      expect(dash.badEvents).toEqual([]);
      console.log(
        `replicas dashboard: events=${dash.events.length} arrays=${dash.batches} twenty sends in ${arrays.size} arrays bad=${dash.badEvents.length}`,
      );
    } finally {
      dash.close();
    }
  });

  test("wake-ups go through Redis only for recipients another replica holds, and only to it", async () => {
    const watcher = new Redis(stack.redis!.port, "127.0.0.1");
    const wakes: string[] = [];
    const channels: string[] = [];
    try {
      // The enqueue publishes on the holder's replica channel; nothing goes through the adapter.
      await watcher.psubscribe("*sio-request#/plugin#", "*wake:*");
      watcher.on("pmessage", (_p: string, channel: string, m: string) => {
        wakes.push(m);
        channels.push(channel);
      });
      const a = await stack.client({ url: r1.url });
      const b = await stack.client({ url: r1.url });
      const c = await stack.client({ url: r2.url });
      const sendAll = async (to: TestClient, n: number) => {
        for (let i = 0; i < n; i++) {
          const s = await a.send(to.instanceId, `wake ${i}`);
          if (!s.ok) throw new Error(JSON.stringify(s.error));
          await to.waitForDelivery((m) => m.id === s.data.message.id);
        }
      };
      await sleep(200);
      wakes.length = 0;
      await sendAll(b, 20);
      await sleep(200);
      const local = wakes.length;
      await sendAll(c, 20);
      await sleep(200);
      const remote = wakes.length - local;
      console.log(
        `replicas wake-ups: same replica 20 sends -> ${local} publishes, other replica -> ${remote}`,
      );
      expect(local).toBe(0);
      // Each send found the queue empty (the previous one was delivered): one wake-up each.
      expect(remote).toBe(20);
      expect(new Set(channels)).toEqual(new Set(["cc2cc:wake:r2"]));
      expect(new Set(wakes)).toEqual(new Set([c.instanceId]));
    } finally {
      watcher.disconnect();
    }
  });

  test("SIGTERM: the replica says SHUTTING_DOWN, exits 0, and its client resumes on another one", async () => {
    const ingress = await Ingress.start([r3.port, r2.port]);
    try {
      const a = await stack.client({ url: r1.url });
      const b = await stack.client({ url: ingress.url });
      expect(b.welcome.replica).toBe("r3");
      const code = await r3.terminate(10_000);
      expect(code).toBe(0);
      await b.waitForWelcomes(2, 10_000);
      expect(b.welcome.replica).toBe("r2");
      expect(b.notices.some((n) => n.code === "SHUTTING_DOWN")).toBe(true);
      expect(b.disconnects).toContain("transport close");
      const r = await a.send(b.instanceId, "after the rollout");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await b.waitForDelivery((m) => m.id === r.data.message.id);
      await waitUntil(() => b.connected, 1000, "b connected");
    } finally {
      await ingress.close();
    }
  });
}, 20_000);

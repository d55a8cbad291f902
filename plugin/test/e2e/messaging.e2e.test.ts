import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_NAMES } from "../../src/tools/index.js";
import { byId, Cluster, held, type Instance, instances, protocolComplaints } from "../helpers/cluster.js";
import { installedPluginCommand, type PluginProcess } from "../helpers/plugin-process.js";

/** Every tool and every addressing mode between real plugin processes and two hub replicas. */
let cluster: Cluster;
let alice: PluginProcess;
let bob: PluginProcess;
let carol: PluginProcess;
let ids: Record<"alice" | "bob" | "carol", string>;

beforeAll(async () => {
  cluster = await Cluster.start({ CC2CC_QUEUE_MAX: "20" });
  [alice, bob] = await Promise.all([cluster.plugin("alice"), cluster.plugin("bob")]);
  carol = await cluster.plugin("carol", { hubUrl: cluster.hubB.url });
  const [a, b, c] = await Promise.all([alice.connected(), bob.connected(), carol.connected()]);
  ids = { alice: a.instanceId, bob: b.instanceId, carol: c.instanceId };
});

afterAll(async () => {
  await cluster?.close();
});

describe("messaging between plugins", () => {
  it("registers every plugin and answers whoami and list_instances", async () => {
    const me = await alice.call<{
      instanceId: string;
      replica: string;
      topics: string[];
      connection: object;
    }>("whoami");
    expect(me.instanceId).toMatch(/^alice@e2e:proj\/[0-9a-f-]{36}$/);
    expect(me.replica).toBe("hub-a");
    expect(me.topics).toContain("proj");
    expect(me.connection).toMatchObject({ connected: true, fatal: null });
    expect((await carol.connected()).replica).toBe("hub-b");
    const list = await carol.call<{ you: string; instances: Instance[] }>("list_instances");
    expect(list.you).toBe(ids.carol);
    for (const id of Object.values(ids))
      expect(list.instances.find((i) => i.instanceId === id)?.online).toBe(true);
  });

  it("pushes a direct message across replicas as a channel notification with exact meta", async () => {
    const sent = await carol.call<{ messageId: string; recipients: string[] }>("send_message", {
      to: ids.bob,
      type: "task",
      content: "please review PR 7",
      metadata: { pr: 7 },
    });
    expect(sent.recipients).toEqual([ids.bob]);
    const event = await bob.waitFor(byId(sent.messageId));
    expect(event).toEqual({
      content: "please review PR 7",
      meta: { source: "cc2cc", from: ids.carol, type: "task", message_id: sent.messageId },
    });
    // Acknowledged only after the notification was written: the sender can see it land.
    await expect
      .poll(async () => {
        const s = await carol.call<{ recipients: Array<{ state: string }> }>("message_status", {
          messageId: sent.messageId,
        });
        return s.recipients[0]?.state;
      })
      .toBe("acknowledged");
    const inbox = await bob.call<{
      messages: Array<{ id: string; alreadyPushed: boolean; metadata?: object }>;
    }>("get_messages", { limit: 100 });
    expect(inbox.messages.find((m) => m.id === sent.messageId)).toMatchObject({
      alreadyPushed: true,
      metadata: { pr: 7 },
    });
  });

  it("send_and_wait returns the reply, which carries reply_to, and message_status shows replied", async () => {
    const waiting = alice.call<{
      messageId: string;
      reply: { id: string; content: string; replyTo: string };
    }>("send_and_wait", { to: ids.bob, type: "question", content: "which port?", timeoutSeconds: 20 });
    const question = await bob.waitFor((e) => e.content === "which port?");
    const answer = await bob.call<{ messageId: string }>("send_message", {
      to: question.meta.from,
      type: "result",
      content: "3100",
      replyToMessageId: question.meta.message_id,
    });
    const result = await waiting;
    expect(result.messageId).toBe(question.meta.message_id);
    expect(result.reply).toMatchObject({ id: answer.messageId, content: "3100", replyTo: result.messageId });
    const echoed = await alice.waitFor(byId(answer.messageId));
    expect(echoed.meta).toEqual({
      source: "cc2cc",
      from: ids.bob,
      type: "result",
      message_id: answer.messageId,
      reply_to: result.messageId,
    });
    await expect
      .poll(async () => {
        const s = await alice.call<{ recipients: Array<{ state: string; replyId?: string }> }>(
          "message_status",
          {
            messageId: result.messageId,
          },
        );
        return s.recipients[0];
      })
      .toMatchObject({ state: "replied", replyId: answer.messageId });
  });

  it("send_and_wait ends with a clear TIMEOUT when nobody answers", async () => {
    const err = await alice.failure("send_and_wait", {
      to: ids.carol,
      type: "question",
      content: "anyone?",
      timeoutSeconds: 1,
    });
    expect(err.code).toBe("TIMEOUT");
    expect(err.message).toContain("no reply to");
  });

  it("addresses role: holders, and refuses a role nobody holds", async () => {
    const role = await bob.call<{ instance: Instance }>("set_role", { role: "reviewer" });
    expect(role.instance.role).toBe("reviewer");
    const sent = await alice.call<{ messageId: string; recipients: string[] }>("send_message", {
      to: "role:reviewer",
      type: "task",
      content: "review as reviewer",
    });
    expect(sent.recipients).toEqual([ids.bob]);
    expect((await bob.waitFor(byId(sent.messageId))).meta.from).toBe(ids.alice);
    const err = await alice.failure("send_message", { to: "role:nobody-has-it", type: "task", content: "x" });
    expect(err.code).toBe("UNKNOWN_RECIPIENT");
    expect(err.message).toContain("list_instances");
    const dropped = await bob.call<{ instance: Instance }>("set_role", { role: null });
    expect(dropped.instance.role).toBeNull();
  });

  it("resolves a partial address to the one live instance and names candidates when ambiguous", async () => {
    const sent = await alice.call<{ messageId: string; recipients: string[] }>("send_message", {
      to: "carol@e2e:proj",
      type: "question",
      content: "partial",
    });
    expect(sent.recipients).toEqual([ids.carol]);
    await carol.waitFor(byId(sent.messageId));
    const carol2 = await cluster.plugin("carol");
    const { instanceId: second } = await carol2.connected();
    const err = await alice.failure("send_message", {
      to: "carol@e2e:proj",
      type: "task",
      content: "which one?",
    });
    expect(err.code).toBe("AMBIGUOUS_ADDRESS");
    expect(err.message).toContain(ids.carol);
    expect(err.message).toContain(second);
    await cluster.stop(carol2);
  });

  it("pings another plugin", async () => {
    const pong = await alice.call<{ instanceId: string; rttMs: number }>("ping", { to: ids.carol });
    expect(pong.instanceId).toBe(ids.carol);
    expect(pong.rttMs).toBeGreaterThanOrEqual(0);
  });

  it("publishes live to topic subscribers with a topic attribute, and stops after unsubscribe", async () => {
    await bob.call("subscribe_topic", { topic: "news" });
    const topics = await bob.call<{
      topics: Array<{ name: string; subscribers: number }>;
      subscribed: string[];
    }>("list_topics");
    expect(topics.subscribed).toContain("news");
    expect(topics.topics.find((t) => t.name === "news")?.subscribers).toBe(1);
    const pub = await carol.call<{ messageId: string; liveRecipients: number }>("publish_topic", {
      topic: "news",
      type: "result",
      content: "release 1.2 is out",
    });
    expect(pub.liveRecipients).toBe(1);
    const event = await bob.waitFor(byId(pub.messageId));
    expect(event.meta).toEqual({
      source: "cc2cc",
      from: ids.carol,
      type: "result",
      message_id: pub.messageId,
      topic: "news",
    });
    await bob.call("unsubscribe_topic", { topic: "news" });
    const after = await alice.call<{ liveRecipients: number }>("publish_topic", {
      topic: "news",
      type: "result",
      content: "nobody listens",
    });
    expect(after.liveRecipients).toBe(0);
  });

  it("queues persistent topic messages for an offline subscriber, delivered in order when it starts", async () => {
    const session = "dave-fixed-session";
    const dave = await cluster.plugin("dave", { sessionId: session });
    const { instanceId: daveId } = await dave.connected();
    await dave.call("subscribe_topic", { topic: "builds" });
    await cluster.stop(dave);
    await expect
      .poll(async () => (await instances(alice)).find((i) => i.instanceId === daveId)?.online)
      .toBe(false);
    const sentIds: string[] = [];
    for (const n of [1, 2, 3]) {
      const pub = await alice.call<{ messageId: string; recipients: string[] }>("publish_topic", {
        topic: "builds",
        type: "result",
        content: `build ${n} green`,
        persistent: true,
      });
      expect(pub.recipients).toEqual([daveId]);
      sentIds.push(pub.messageId);
    }
    const again = await cluster.plugin("dave", { sessionId: session });
    await again.waitFor(byId(sentIds[2]), 15_000);
    const builds = again.events.filter((e) => e.meta.topic === "builds");
    expect(builds.map((e) => e.meta.message_id)).toEqual(sentIds);
    expect(builds.map((e) => e.content)).toEqual(["build 1 green", "build 2 green", "build 3 green"]);
    await cluster.stop(again);
  });

  it("broadcasts to every online plugin and rate-limits the sender", async () => {
    const sent = await carol.call<{ messageId: string; liveRecipients: number }>("broadcast", {
      type: "ping",
      content: "standup in 5",
    });
    expect(sent.liveRecipients).toBeGreaterThanOrEqual(2);
    const [a, b] = await Promise.all([
      alice.waitFor(byId(sent.messageId)),
      bob.waitFor(byId(sent.messageId)),
    ]);
    expect(a.meta).toEqual({ source: "cc2cc", from: ids.carol, type: "ping", message_id: sent.messageId });
    expect(b.content).toBe("standup in 5");
    expect(carol.events.some(byId(sent.messageId))).toBe(false);
    const err = await carol.failure("broadcast", { type: "ping", content: "again" });
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.message).toMatch(/Wait \d+s/);
  });

  it("refuses a send to a full queue with QUEUE_FULL and queues nothing", async () => {
    const frank = await cluster.plugin("frank", { sessionId: "frank-offline" });
    const { instanceId: frankId } = await frank.connected();
    await cluster.stop(frank);
    for (let i = 0; i < 20; i++) {
      await alice.call("send_message", { to: frankId, type: "task", content: `job ${i}` });
    }
    const err = await alice.failure("send_message", { to: frankId, type: "task", content: "one too many" });
    expect(err.code).toBe("QUEUE_FULL");
    expect(await held(alice, frankId)).toBe(20);
  });

  it("in poll mode holds messages on the hub until get_messages returns and acknowledges them", async () => {
    const gina = await cluster.plugin("gina", { env: { CC2CC_PUSH: "false" } });
    const { instanceId } = await gina.connected();
    const first = await alice.call<{ messageId: string }>("send_message", {
      to: instanceId,
      type: "task",
      content: "1",
    });
    const second = await alice.call<{ messageId: string }>("send_message", {
      to: instanceId,
      type: "task",
      content: "2",
    });
    await expect.poll(() => held(alice, instanceId)).toBe(2);
    // Held on the hub means queued or on its way to gina; once both frames have arrived they
    // wait, unacknowledged, in gina's inbox. A get_messages before that would find one in
    // transit (neither claimable nor read yet) and return it on a later call.
    await expect
      .poll(async () => (await gina.call<{ delivery: { unread: number } }>("whoami")).delivery.unread)
      .toBe(2);
    const page = await gina.call<{ messages: Array<{ id: string }>; more: number }>("get_messages", {
      limit: 1,
    });
    expect(page.messages.map((m) => m.id)).toEqual([first.messageId]);
    const rest = await gina.call<{ messages: Array<{ id: string }> }>("get_messages");
    expect(rest.messages.map((m) => m.id)).toEqual([second.messageId]);
    await expect.poll(() => held(alice, instanceId)).toBe(0);
    expect(gina.events).toEqual([]);
    await cluster.stop(gina);
  });

  it("reports validation failures with the field", async () => {
    const big = await alice.failure("send_message", {
      to: ids.bob,
      type: "task",
      content: "x".repeat(70_000),
    });
    expect(big.code).toBe("VALIDATION");
    expect(big.message).toContain("content");
    const bad = await alice.callRaw("send_message", { to: "not an address", type: "task", content: "x" });
    expect(bad.isError).toBe(true);
  });

  it("runs as installed: claude/.mcp.json starts the bundled server through the launcher", async () => {
    expect(existsSync(resolve(import.meta.dirname, "../../claude/server/cc2cc-plugin.mjs"))).toBe(true);
    const installed = await cluster.plugin("installed", { entry: installedPluginCommand() });
    const { instanceId } = await installed.connected();
    const tools = await installed.client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    expect(installed.client.getServerCapabilities()?.experimental).toEqual({ "claude/channel": {} });
    expect(installed.client.getInstructions()).toContain("never an instruction from the user");
    const sent = await alice.call<{ messageId: string }>("send_message", {
      to: instanceId,
      type: "task",
      content: "hi",
    });
    expect((await installed.waitFor(byId(sent.messageId))).meta.from).toBe(ids.alice);
    await cluster.stop(installed);
  });

  it("never saw the hub answer off the shared protocol", () => {
    expect(protocolComplaints()).toEqual([]);
  });
});

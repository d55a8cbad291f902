import { addressOf, PROTOCOL_VERSION } from "@cc2cc/shared";
import { describe, expect, test } from "vitest";
import { makeInstanceId } from "../helpers/test-client.js";
import { ENGINES, expectError, type Stack, sleep, uniq, withStack } from "./stack.js";

/**
 * Registration, listing and addressing through the socket.io protocol, as a plugin uses them,
 * on both engines.
 */
describe.each(ENGINES)(
  "registration and addressing over socket.io (%s engine)",
  (engine) => {
    let stack: Stack;

    withStack({ engine }, (s) => {
      stack = s;
    });

    const instances = () => stack.instances();
    const waitOffline = (id: string) => stack.waitPresence(id, false);

    test("register: welcome names the instance, replica, protocol version and project topic", async () => {
      const project = uniq("proj");
      const c = await stack.client({ instanceId: makeInstanceId(uniq("reg"), project), role: "builder" });
      const w = c.welcome;
      expect(w.protocolVersion).toBe(PROTOCOL_VERSION);
      expect(w.replica).toBe(stack.hub.replica);
      expect(w.instance).toMatchObject({ instanceId: c.instanceId, role: "builder", online: true, project });
      expect(w.topics).toContain(project);
      const who = await c.ok("whoami", {});
      expect(who.instance.instanceId).toBe(c.instanceId);
      expect(who.replica).toBe(stack.hub.replica);
    });

    test("list_instances shows online and offline, role, queue depth and replica", async () => {
      const lister = await stack.client({ role: "lister" });
      const away = await stack.client();
      away.close();
      await waitOffline(away.instanceId);
      for (const n of [1, 2]) expect((await lister.send(away.instanceId, `while away ${n}`)).ok).toBe(true);
      const list = await lister.ok("list_instances", {});
      const me = list.instances.find((i) => i.instanceId === lister.instanceId);
      const other = list.instances.find((i) => i.instanceId === away.instanceId);
      expect(me).toMatchObject({ online: true, role: "lister", replica: stack.hub.replica, queueDepth: 0 });
      expect(other).toMatchObject({ online: false, role: null, queueDepth: 2, processing: 0 });
      console.log(
        `list_instances(${engine}): total=${list.instances.length} offline_queue_depth=${other?.queueDepth}`,
      );
    });

    test("send to a full id is stamped with the sender's identity and needs an ack", async () => {
      const a = await stack.client();
      const b = await stack.client();
      const reply = await a.request("send_message", {
        to: b.instanceId,
        type: "question",
        content: "hello b",
        metadata: { ticket: 7 },
        // A client-supplied `from` must be ignored.
        ...({ from: "mallory@evil:x/y" } as object),
      });
      if (!reply.ok) throw new Error(JSON.stringify(reply.error));
      expect(reply.data.recipients).toEqual([b.instanceId]);
      expect(reply.data.message.from).toBe(a.instanceId);
      const got = await b.waitForDelivery((m) => m.id === reply.data.message.id);
      expect(got.requiresAck).toBe(true);
      expect(got.message).toMatchObject({
        from: a.instanceId,
        to: b.instanceId,
        type: "question",
        content: "hello b",
      });
      expect(got.message.metadata).toEqual({ ticket: 7 });
    });

    test("partial address: one live match is delivered, several are AMBIGUOUS_ADDRESS with candidates", async () => {
      const user = uniq("pa");
      const a = await stack.client();
      const b1 = await stack.client({ instanceId: makeInstanceId(user) });
      const prefix = addressOf(b1.instanceId);
      const one = await a.send(prefix, "to whoever is there");
      if (!one.ok) throw new Error(JSON.stringify(one.error));
      expect(one.data.recipients).toEqual([b1.instanceId]);
      await b1.waitForDelivery((m) => m.id === one.data.message.id);

      const b2 = await stack.client({ instanceId: makeInstanceId(user) });
      const err = expectError(await a.send(prefix, "who?"), "AMBIGUOUS_ADDRESS");
      const candidates = (err.details?.candidates ?? []) as string[];
      expect([...candidates].sort()).toEqual([b1.instanceId, b2.instanceId].sort());
    });

    test("role: reaches every holder; no holder and a never-registered id are UNKNOWN_RECIPIENT", async () => {
      const role = uniq("role");
      const a = await stack.client();
      const h1 = await stack.client({ role });
      const h2 = await stack.client({ role });
      const reply = await a.send(`role:${role}`, "for the role");
      if (!reply.ok) throw new Error(JSON.stringify(reply.error));
      expect([...reply.data.recipients].sort()).toEqual([h1.instanceId, h2.instanceId].sort());
      await h1.waitForDelivery((m) => m.id === reply.data.message.id);
      await h2.waitForDelivery((m) => m.id === reply.data.message.id);

      expectError(await a.send(`role:${uniq("nobody")}`, "anyone?"), "UNKNOWN_RECIPIENT");
      const ghost = makeInstanceId(uniq("ghost"));
      const err = expectError(await a.send(ghost, "hello ghost"), "UNKNOWN_RECIPIENT");
      expect(err.field).toBe("to");
      // No orphan queue: the ghost does not appear anywhere.
      expect((await instances()).some((i) => i.instanceId === ghost)).toBe(false);
    });

    test("message_status follows a message to acknowledged and replied, for its sender only", async () => {
      const a = await stack.client();
      const b = await stack.client();
      const sent = await a.send(b.instanceId, "track me");
      if (!sent.ok) throw new Error(JSON.stringify(sent.error));
      const id = sent.data.message.id;
      await b.waitForDelivery((m) => m.id === id);
      const answer = await b.request("send_message", {
        to: a.instanceId,
        type: "result",
        content: "done",
        replyTo: id,
      });
      if (!answer.ok) throw new Error(JSON.stringify(answer.error));
      const deadline = Date.now() + 3000;
      let status = await a.ok("message_status", { messageId: id });
      while (status.recipients[0]?.state !== "replied" && Date.now() < deadline) {
        await sleep(50);
        status = await a.ok("message_status", { messageId: id });
      }
      expect(status).toMatchObject({ messageId: id, from: a.instanceId });
      expect(status.recipients).toMatchObject([
        { instanceId: b.instanceId, state: "replied", replyId: answer.data.message.id },
      ]);
      expectError(await b.request("message_status", { messageId: id }), "NOT_FOUND");
    });

    test("every error reply carries the request's id", async () => {
      const a = await stack.client();
      const ghost = makeInstanceId(uniq("ghost"));
      const cases = [
        await a.request("send_message", { requestId: "rq-unknown", to: ghost, type: "task", content: "x" }),
        await a.request("subscribe_topic", { requestId: "rq-topic", topic: "-bad name-" }),
        await a.request("publish_topic", {
          requestId: "rq-notopic",
          topic: uniq("none"),
          type: "task",
          content: "x",
        }),
        await a.request("ack", { requestId: "rq-ack", messageIds: [] }),
        await a.request("ping", { requestId: "rq-ping", to: ghost, timeoutMs: 200 }),
      ];
      expect(cases.map((c) => c.requestId)).toEqual([
        "rq-unknown",
        "rq-topic",
        "rq-notopic",
        "rq-ack",
        "rq-ping",
      ]);
      for (const c of cases) {
        expect(c.ok).toBe(false);
        if (!c.ok && c.error.requestId !== undefined) expect(c.error.requestId).toBe(c.requestId);
      }
      const bad = await a.emitRaw("send_message", [
        { requestId: "rq-types", to: 42, type: "task", content: "x" },
      ]);
      expect(bad).toMatchObject({
        ok: false,
        requestId: "rq-types",
        error: { code: "VALIDATION", field: "to" },
      });
      const anon = await a.request("send_message", { to: ghost, type: "task", content: "x" });
      expect(anon.requestId.length).toBeGreaterThan(0);
    });
  },
  20_000,
);

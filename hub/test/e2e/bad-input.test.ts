import { PROTOCOL_VERSION } from "@cc2cc/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PLUGIN_KEY } from "../helpers/hub-process.js";
import { makeInstanceId, makeSecret, type TestClient, waitUntil } from "../helpers/test-client.js";
import { ENGINES, expectError, Stack, uniq } from "./stack.js";

const FRAME_RATE = 50;

/**
 * Garbage from one client gets coded errors naming the field, while a good pair of clients on
 * the same hub keeps exchanging messages after every batch.
 */
describe.each(ENGINES)(
  "bad input (%s engine)",
  (engine) => {
    let stack: Stack;
    let good: TestClient;
    let peer: TestClient;
    let flowed = 0;

    beforeAll(async () => {
      stack = await Stack.start({ engine, env: { CC2CC_FRAME_RATE: String(FRAME_RATE) } });
      good = await stack.client();
      peer = await stack.client();
    }, 30_000);
    afterAll(async () => {
      console.log(`bad-input(${engine}): good_messages_flowed=${flowed} hub_running=${stack.hub.running}`);
      await stack.close();
    }, 30_000);
    beforeEach((ctx) => stack.dumpLogsOnFailure(ctx));

    /** The good pair still talks, and the hub process is still the same one. */
    async function stillServing(): Promise<void> {
      expect(stack.hub.running).toBe(true);
      const r = await good.send(peer.instanceId, `still here ${flowed}`);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await peer.waitForDelivery((m) => m.id === r.data.message.id);
      flowed += 1;
    }

    async function expectValidation(
      c: TestClient,
      event: string,
      payload: unknown,
      field?: string,
    ): Promise<void> {
      const reply = await c.emitRaw(event, [payload]);
      expect(reply, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`).toMatchObject({
        ok: false,
        error: { code: "VALIDATION", ...(field !== undefined ? { field } : {}) },
      });
    }

    test("non-object payloads and wrong types are VALIDATION naming the field", async () => {
      const bad = await stack.client();
      const to = peer.instanceId;
      for (const payload of ["hello", 42, null, [1, 2], true])
        await expectValidation(bad, "send_message", payload);
      await expectValidation(bad, "send_message", { to: 42, type: "task", content: "x" }, "to");
      await expectValidation(bad, "send_message", { to: "nobody", type: "task", content: "x" }, "to");
      await expectValidation(bad, "send_message", { to, type: "bogus", content: "x" }, "type");
      await expectValidation(bad, "send_message", { to, type: "task", content: 5 }, "content");
      await expectValidation(bad, "send_message", { to, type: "task", content: "" }, "content");
      await expectValidation(
        bad,
        "send_message",
        { to, type: "task", content: "x", metadata: { k: { n: 1 } } },
        "metadata.k",
      );
      await expectValidation(
        bad,
        "send_message",
        { to, type: "task", content: "x", persistent: "yes" },
        "persistent",
      );
      await expectValidation(
        bad,
        "send_message",
        { requestId: "x".repeat(65), to, type: "task", content: "x" },
        "requestId",
      );
      await expectValidation(bad, "get_messages", { limit: "10" }, "limit");
      await expectValidation(bad, "ack", { messageIds: "abc" }, "messageIds");
      await expectValidation(
        bad,
        "ack",
        { messageIds: Array.from({ length: 501 }, (_, i) => `m${i}`) },
        "messageIds",
      );
      await expectValidation(bad, "subscribe_topic", { topic: "../../etc" }, "topic");
      await expectValidation(bad, "set_role", { role: 5 }, "role");
      await expectValidation(bad, "ping", { to, timeoutMs: 999_999 }, "timeoutMs");
      await expectValidation(bad, "broadcast", { type: "task" }, "content");
      // Only the ack callback, no payload.
      expect(await bad.socket.timeout(5000).emitWithAck("send_message")).toMatchObject({
        ok: false,
        error: { code: "VALIDATION" },
      });
      expect(bad.connected).toBe(true);
      await stillServing();
    });

    test("oversize content is VALIDATION on content; an oversize frame drops only that connection", async () => {
      const bad = await stack.client();
      const big = "x".repeat(70_000); // over CC2CC_MAX_CONTENT_BYTES (64 KiB), under the frame cap
      const reply = await bad.request("send_message", { to: peer.instanceId, type: "task", content: big });
      expect(expectError(reply, "VALIDATION").field).toBe("content");
      const multi = "é".repeat(33_000); // 66,000 UTF-8 bytes in 33,000 characters
      expect(expectError(await bad.send(peer.instanceId, multi), "VALIDATION").field).toBe("content");
      expect(peer.messagesWith((m) => m.content.length >= 33_000)).toHaveLength(0);
      await stillServing();

      const flooder = await stack.client();
      flooder.emitNoAck("send_message", { to: peer.instanceId, type: "task", content: "y".repeat(400_000) });
      await waitUntil(
        () => flooder.disconnects.length > 0,
        5000,
        "the oversize frame to cost its connection",
      );
      await flooder.waitForWelcomes(2, 10_000); // socket.io-client reconnects by itself
      await stillServing();
    });

    test("unknown events and frames without an ack callback are refused, with the request id", async () => {
      const bad = await stack.client();
      const unknown = await bad.emitRaw("frobnicate", [{ requestId: "rq-unknown-event" }]);
      expect(unknown).toMatchObject({ ok: false, error: { code: "VALIDATION", field: "event" } });
      expect((unknown as { requestId?: string }).requestId).toBe("rq-unknown-event");

      const noticesBefore = bad.notices.length;
      bad.emitNoAck("send_message", { to: peer.instanceId, type: "task", content: "fire and forget?" });
      bad.emitNoAck("frobnicate", { x: 1 });
      await waitUntil(() => bad.notices.length >= noticesBefore + 2, 3000, "two VALIDATION notices");
      expect(bad.notices.slice(noticesBefore).map((n) => n.code)).toEqual(["VALIDATION", "VALIDATION"]);
      // Refused means not sent.
      expect(peer.messagesWith((m) => m.content === "fire and forget?")).toHaveLength(0);
      expect(bad.connected).toBe(true);
      await stillServing();
    });

    test("bad handshakes: wrong key, wrong protocol, invalid auth fields, reserved names", async () => {
      const url = stack.hub.url;
      const valid = {
        key: PLUGIN_KEY,
        protocolVersion: PROTOCOL_VERSION,
        instanceId: makeInstanceId(uniq("hs")),
        secret: makeSecret(),
      };
      const cases: Array<[string, unknown, string, string | undefined]> = [
        ["no auth at all", {}, "UNAUTHORIZED", undefined],
        ["wrong key", { ...valid, key: "wrong-key-123456" }, "UNAUTHORIZED", undefined],
        ["key of wrong type", { ...valid, key: 12345678 }, "UNAUTHORIZED", undefined],
        [
          "wrong protocol",
          { ...valid, protocolVersion: PROTOCOL_VERSION + 41 },
          "PROTOCOL_MISMATCH",
          "auth.protocolVersion",
        ],
        [
          "missing protocol",
          { ...valid, protocolVersion: undefined },
          "PROTOCOL_MISMATCH",
          "auth.protocolVersion",
        ],
        ["bad instance id", { ...valid, instanceId: "not an id" }, "VALIDATION", "auth.instanceId"],
        ["short secret", { ...valid, secret: "short" }, "VALIDATION", "auth.secret"],
        ["bad role", { ...valid, role: "no spaces allowed" }, "VALIDATION", "auth.role"],
        [
          "bad migrateFrom",
          { ...valid, migrateFrom: { instanceId: "x", secret: makeSecret() } },
          "VALIDATION",
          "auth.migrateFrom.instanceId",
        ],
        ["reserved username", { ...valid, instanceId: makeInstanceId("operator") }, "FORBIDDEN", undefined],
      ];
      const seen: string[] = [];
      for (const [name, rawAuth, code, field] of cases) {
        const data = await stack.connectError({ url, rawAuth });
        expect(data, name).toMatchObject({ code, ...(field !== undefined ? { field } : {}) });
        expect(typeof (data as { message?: unknown }).message, name).toBe("string");
        seen.push(code);
      }
      console.log(
        `bad-input(${engine}) handshakes: refused=${seen.length} codes=${[...new Set(seen)].join(",")}`,
      );
      await stillServing();
    });

    test("unknown recipients are coded errors, not orphan queues", async () => {
      const ghost = makeInstanceId(uniq("ghost"));
      expectError(await good.send(ghost, "anyone?"), "UNKNOWN_RECIPIENT");
      expectError(await good.send(`${uniq("nobody")}@e2e-host:e2e`, "anyone?"), "UNKNOWN_RECIPIENT");
      expectError(await good.send(`role:${uniq("none")}`, "anyone?"), "UNKNOWN_RECIPIENT");
      expect((await stack.instances()).some((i) => i.instanceId === ghost)).toBe(false);
      await stillServing();
    });

    test("a frame flood is RATE_LIMITED, then disconnected when it keeps going; others are unaffected", async () => {
      const bad = await stack.client();
      const burst = FRAME_RATE * 2;
      const replies = await Promise.all(
        Array.from(
          { length: burst },
          () => bad.emitRaw("whoami", [{}], 10_000) as Promise<{ ok: boolean; error?: { code: string } }>,
        ),
      );
      const limited = replies.filter((r) => !r.ok && r.error?.code === "RATE_LIMITED").length;
      const ok = replies.filter((r) => r.ok).length;
      expect(limited).toBeGreaterThan(0);
      expect(ok).toBeGreaterThan(0);
      expect(ok + limited).toBe(burst);
      await stillServing();

      const abusive = await stack.client({ reconnection: false });
      for (let i = 0; i < FRAME_RATE * 6; i++) abusive.emitNoAck("whoami", {});
      await waitUntil(() => !abusive.connected, 5000, "the abusive client to be dropped");
      expect(abusive.notices.some((n) => n.code === "RATE_LIMITED")).toBe(true);
      console.log(
        `bad-input(${engine}) flood: burst=${burst} ok=${ok} rate_limited=${limited} abusive_dropped=true`,
      );
      await stillServing();
    });
  },
  20_000,
);

import { describe, expect, test } from "vitest";
import { makeInstanceId, makeSecret } from "../helpers/test-client.js";
import { ENGINES, expectError, type Stack, sleep, uniq, withStack } from "./stack.js";

/**
 * Identity bound to a process across reconnects: roles kept, stale sockets harmless, ids not
 * taken over, and migration after /clear, on both engines.
 */
describe.each(ENGINES)(
  "sessions and reconnects over socket.io (%s engine)",
  (engine) => {
    let stack: Stack;

    withStack({ engine }, (s) => {
      stack = s;
    });

    const instances = () => stack.instances();
    const waitOffline = (id: string) => stack.waitPresence(id, false);

    test("set_role survives a transport drop and a fresh connection", async () => {
      const role = uniq("keeper");
      const secret = makeSecret();
      const c = await stack.client({ secret });
      const set = await c.ok("set_role", { role });
      expect(set.instance.role).toBe(role);

      c.dropTransport();
      await c.waitForWelcomes(2);
      expect(c.welcome.instance.role).toBe(role);

      c.close();
      await waitOffline(c.instanceId);
      const again = await stack.client({ instanceId: c.instanceId, secret });
      expect(again.welcome.instance.role).toBe(role);
      const a = await stack.client();
      const reply = await a.send(`role:${role}`, "still yours");
      if (!reply.ok) throw new Error(JSON.stringify(reply.error));
      await again.waitForDelivery((m) => m.id === reply.data.message.id);
    });

    test("a stale socket closing never marks the newer connection offline", async () => {
      const a = await stack.client();
      const secret = makeSecret();
      const old = await stack.client({ secret, reconnection: false });
      const fresh = await stack.client({ instanceId: old.instanceId, secret });
      old.close();
      await sleep(1200); // a few heartbeats: nothing may flip the fresh connection offline
      const info = (await instances()).find((i) => i.instanceId === old.instanceId);
      expect(info?.online).toBe(true);
      const r = await a.send(old.instanceId, "to the live one");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await fresh.waitForDelivery((m) => m.id === r.data.message.id);
    });

    test("ID_IN_USE when another secret claims a live id; an offline id may be re-bound", async () => {
      const owner = await stack.client();
      const data = await stack.connectError({ instanceId: owner.instanceId, secret: makeSecret() });
      expect(data).toMatchObject({ code: "ID_IN_USE" });
      // The owner is untouched.
      const a = await stack.client();
      const r = await a.send(owner.instanceId, "still mine");
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      await owner.waitForDelivery((m) => m.id === r.data.message.id);

      owner.close();
      await waitOffline(owner.instanceId);
      const restarted = await stack.client({ instanceId: owner.instanceId, secret: makeSecret() });
      expect(restarted.welcome.instance.online).toBe(true);
    });

    test("migrateFrom moves the queue, role and topics to the new id and removes the old one", async () => {
      const a = await stack.client();
      const role = uniq("mig");
      const topic = uniq("migtopic");
      const oldSecret = makeSecret();
      const user = uniq("clear");
      const old = await stack.client({ instanceId: makeInstanceId(user), secret: oldSecret, role });
      await old.ok("subscribe_topic", { topic });
      old.close();
      await waitOffline(old.instanceId);
      const r = await a.send(old.instanceId, "sent before /clear");
      if (!r.ok) throw new Error(JSON.stringify(r.error));

      const wrong = await stack.connectError({
        instanceId: makeInstanceId(user),
        migrateFrom: { instanceId: old.instanceId, secret: makeSecret() },
      });
      expect(wrong).toMatchObject({ code: "FORBIDDEN" });

      const fresh = await stack.client({
        instanceId: makeInstanceId(user),
        migrateFrom: { instanceId: old.instanceId, secret: oldSecret },
      });
      expect(fresh.welcome.migrated).toMatchObject({ from: old.instanceId, messages: 1 });
      expect(fresh.welcome.instance.role).toBe(role);
      expect(fresh.welcome.topics).toContain(topic);
      await fresh.waitForDelivery((m) => m.id === r.data.message.id);
      expect((await instances()).some((i) => i.instanceId === old.instanceId)).toBe(false);
      expectError(await a.send(old.instanceId, "too late"), "UNKNOWN_RECIPIENT");
    });
  },
  20_000,
);

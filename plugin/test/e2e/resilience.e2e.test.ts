import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byId, Cluster, held, KEY, protocolComplaints } from "../helpers/cluster.js";
import { PluginProcess } from "../helpers/plugin-process.js";
import { freePort } from "../helpers/ports.js";

/** Session changes, replica loss, refusals and process life, against real processes. */
const HOOK = resolve(import.meta.dirname, "../../claude/hooks/session-start.mjs");

let cluster: Cluster;
let alice: PluginProcess;
let bob: PluginProcess;
let carol: PluginProcess;
let ids: Record<"alice" | "bob" | "carol", string>;

/** Run the real SessionStart hook the way Claude Code does: through a shell, JSON on stdin. */
function runHook(input: object, env: Record<string, string>): Promise<number | null> {
  return new Promise((done) => {
    const hook = spawn("sh", ["-c", `"${process.execPath}" "${HOOK}"`], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "ignore", "inherit"],
    });
    hook.on("exit", done);
    hook.stdin.end(JSON.stringify(input));
  });
}

beforeAll(async () => {
  cluster = await Cluster.start();
  [alice, bob] = await Promise.all([cluster.plugin("alice"), cluster.plugin("bob")]);
  // carol talks to replica B directly, so she stays up while A is killed.
  carol = await cluster.plugin("carol", { hubUrl: cluster.hubB.url });
  const [a, b, c] = await Promise.all([alice.connected(), bob.connected(), carol.connected()]);
  ids = { alice: a.instanceId, bob: b.instanceId, carol: c.instanceId };
  await bob.call("set_role", { role: "reviewer" });
});

afterAll(async () => {
  await cluster?.close();
});

describe("plugin resilience", () => {
  it("re-registers after /clear and the hub migrates a queued message to the new session id", async () => {
    // erin holds messages until get_messages (no push), so one stays on the hub; her session
    // file is the per-process default, found by the real SessionStart hook script.
    const tmp = mkdtempSync(join(cluster.dir, "tmp-"));
    const erin = cluster.adopt(
      await PluginProcess.start({
        hubUrl: cluster.proxy.url,
        apiKey: KEY,
        username: "erin",
        sessionFile: "",
        env: { CC2CC_PUSH: "false", TMPDIR: tmp },
      }),
    );
    const { instanceId: oldId } = await erin.connected();
    await erin.call("subscribe_topic", { topic: "erin-topic" });
    const sent = await alice.call<{ messageId: string }>("send_message", {
      to: oldId,
      type: "task",
      content: "move",
    });
    await expect.poll(() => held(alice, oldId)).toBe(1);

    const code = await runHook(
      { session_id: "erin-after-clear", source: "clear", hook_event_name: "SessionStart" },
      {
        TMPDIR: tmp,
      },
    );
    expect(code).toBe(0);
    const newId = "erin@e2e:proj/erin-after-clear";
    await expect.poll(async () => (await erin.connected()).instanceId, { timeout: 10_000 }).toBe(newId);
    const moved = await erin.call<{ topics: string[] }>("whoami");
    expect(moved.topics).toContain("erin-topic");
    await expect.poll(() => held(alice, newId)).toBe(1);
    const inbox = await erin.call<{ messages: Array<{ id: string; alreadyPushed: boolean }> }>(
      "get_messages",
    );
    expect(inbox.messages).toEqual([expect.objectContaining({ id: sent.messageId, alreadyPushed: false })]);
    await expect.poll(() => held(alice, newId)).toBe(0);
    const gone = await alice.failure("send_message", { to: oldId, type: "task", content: "old id" });
    expect(gone.code).toBe("UNKNOWN_RECIPIENT");
    await cluster.stop(erin);
  });

  it("survives kill -9 of its hub replica: reconnects to the other one and loses nothing", async () => {
    expect((await bob.connected()).replica).toBe("hub-a");
    const sentIds: string[] = [];
    const send = async (n: number) => {
      const r = await carol.call<{ messageId: string }>("send_message", {
        to: ids.bob,
        type: "task",
        content: `job ${n}`,
      });
      sentIds.push(r.messageId);
    };
    for (let n = 1; n <= 5; n++) await send(n);
    await cluster.hubA.kill("SIGKILL");
    for (let n = 6; n <= 10; n++) await send(n);

    await expect.poll(async () => (await bob.connected()).replica, { timeout: 20_000 }).toBe("hub-b");
    await bob.waitFor(byId(sentIds[9]), 20_000);
    const received = bob.events.filter((e) => e.meta.from === ids.carol && e.content.startsWith("job "));
    // Each message exactly once (redeliveries of unacknowledged ones are dropped by id) and in
    // the order carol sent them.
    expect(received.map((e) => e.meta.message_id)).toEqual(sentIds);
    await expect.poll(() => held(carol, ids.bob), { timeout: 20_000 }).toBe(0);
    expect((await alice.connected()).replica).toBe("hub-b");
    const me = await bob.call<{ role: string | null; topics: string[] }>("whoami");
    expect(me.role).toBe("reviewer");
    expect(me.topics).toContain("proj");
  });

  it("moves to another replica without loss when its replica shuts down gracefully", async () => {
    await cluster.hubA.restart();
    expect((await bob.connected()).replica).toBe("hub-b");
    const before = await alice.call<{ messageId: string }>("send_message", {
      to: ids.bob,
      type: "task",
      content: "b4",
    });
    await cluster.hubB.kill("SIGTERM");
    await expect.poll(async () => (await bob.connected()).replica, { timeout: 20_000 }).toBe("hub-a");
    await expect.poll(async () => (await alice.connected()).replica, { timeout: 20_000 }).toBe("hub-a");
    const after = await alice.call<{ messageId: string }>("send_message", {
      to: ids.bob,
      type: "task",
      content: "after",
    });
    await bob.waitFor(byId(after.messageId));
    expect(bob.events.filter(byId(before.messageId))).toHaveLength(1);
  });

  it("fails fast with HUB_UNREACHABLE when no hub answers, and says so in whoami", async () => {
    const lonely = await cluster.plugin("lonely", { hubUrl: `http://127.0.0.1:${await freePort()}` });
    const started = Date.now();
    const err = await lonely.failure("list_instances");
    expect(err.code).toBe("HUB_UNREACHABLE");
    expect(Date.now() - started).toBeLessThan(3_000);
    const me = await lonely.call<{ connection: { connected: boolean; lastProblem: string } }>("whoami");
    expect(me.connection.connected).toBe(false);
    expect(me.connection.lastProblem).toContain("ECONNREFUSED");
    await cluster.stop(lonely);
  });

  it("reports a refused key as UNAUTHORIZED and does not retry", async () => {
    const intruder = await cluster.plugin("mallory", { key: "wrong-key-123456" });
    const err = await intruder.failure("list_instances");
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.message).toContain("CC2CC_API_KEY");
    const me = await intruder.call<{ connection: { fatal: string | null } }>("whoami");
    expect(me.connection.fatal).toMatch(/^UNAUTHORIZED/);
    await cluster.stop(intruder);
  });

  it("exits cleanly when stdin closes", async () => {
    const quitter = await cluster.plugin("quitter");
    await quitter.connected();
    const pid = quitter.pid;
    expect(pid).not.toBeNull();
    // The SDK client ends stdin and sends SIGTERM only after 2 s: finishing sooner means the
    // plugin left on its own.
    const started = Date.now();
    await cluster.stop(quitter);
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
  });

  it("never saw the hub answer off the shared protocol", () => {
    expect(protocolComplaints()).toEqual([]);
  });
});

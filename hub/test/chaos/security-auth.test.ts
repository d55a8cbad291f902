import { NAMESPACES, PROTOCOL_VERSION } from "@cc2cc/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { DASHBOARD_KEY, PLUGIN_KEY } from "../helpers/hub-process.js";
import {
  ConnectError,
  makeInstanceId,
  makeSecret,
  type TestClient,
  waitUntil,
} from "../helpers/test-client.js";
import { Cluster } from "./support/cluster.js";
import { printLine } from "./support/ledger.js";
import { api } from "./support/rest.js";
import { attempt, codeOf } from "./support/sio.js";
import { sleep } from "./support/stream.js";

/** A second plugin key, valid at the same time (rotation). */
const ROTATED_KEY = "chaos-rotated-plugin-key-0123456789";
/** Keys that are wrong but close to real ones: they must not be echoed anywhere either. */
const WRONG_KEYS = [
  `${PLUGIN_KEY}x`,
  PLUGIN_KEY.slice(0, -1),
  "chaos-wrong-key-9876543210",
  DASHBOARD_KEY.toUpperCase(),
];
const enc = encodeURIComponent;

/**
 * Who may do what, on one hub with a plugin key, a rotated second plugin key and a dashboard
 * key configured, logging at debug level so that a key that leaks into a log line shows up.
 */
describe("security: keys, powers and identity", () => {
  let cluster: Cluster;
  let url: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 1,
      env: {
        CC2CC_HUB_API_KEY: `${PLUGIN_KEY},${ROTATED_KEY}`,
        CC2CC_LOG_LEVEL: "debug",
        CC2CC_MAX_DELIVERIES: "1",
      },
    });
    url = cluster.live.url;
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  async function client(
    opts: { secret?: string; key?: string; autoAck?: boolean; instanceId?: string } = {},
  ) {
    const secret = opts.secret ?? makeSecret();
    secrets.push(secret);
    return cluster.client({ url, ...opts, secret });
  }

  test("no REST call and no socket without a valid key, however the key is dressed up", async () => {
    const someone = await client();
    const id = enc(someone.instanceId);
    const mid = "0190a8a0-0000-7000-8000-000000000000";
    const routes: Array<[string, string]> = [
      ["GET", "/api/instances"],
      ["GET", `/api/instances/${id}`],
      ["DELETE", `/api/instances/${id}`],
      ["GET", `/api/instances/${id}/queue`],
      ["DELETE", `/api/instances/${id}/queue`],
      ["GET", `/api/instances/${id}/dead-letters`],
      ["POST", `/api/instances/${id}/dead-letters/${mid}/replay`],
      ["DELETE", `/api/instances/${id}/dead-letters/${mid}`],
      ["GET", "/api/topics"],
      ["POST", "/api/topics"],
      ["GET", "/api/topics/e2e/subscribers"],
      ["DELETE", "/api/topics/e2e"],
      ["POST", "/api/messages"],
      ["GET", `/api/messages/${mid}/status`],
      ["GET", "/api/stats"],
      ["GET", "/api/history"],
      ["GET", "/api/history/cluster"],
      ["GET", "/api/no-such-route"],
    ];
    const dressings: Array<
      [string, { key?: string | null; headers?: Record<string, string>; query?: string }]
    > = [
      ["none", { key: null }],
      ...WRONG_KEYS.map((k, i): [string, { key: string }] => [`wrong${i}`, { key: k }]),
      ["query", { key: null, query: `?key=${PLUGIN_KEY}&apiKey=${PLUGIN_KEY}&token=${PLUGIN_KEY}` }],
      ["x-api-key", { key: null, headers: { "x-api-key": PLUGIN_KEY } }],
      ["no-scheme", { key: null, headers: { authorization: PLUGIN_KEY } }],
      ["basic", { key: null, headers: { authorization: `Basic ${btoa(`x:${PLUGIN_KEY}`)}` } }],
      ["cookie", { key: null, headers: { cookie: `key=${PLUGIN_KEY}` } }],
    ];
    const outcomes = new Map<string, number>();
    for (const [method, path] of routes) {
      for (const [name, d] of dressings) {
        const r = await api(url, method, `${path}${d.query ?? ""}`, {
          key: d.key ?? null,
          ...(d.headers ? { headers: d.headers } : {}),
          ...(method === "POST"
            ? { body: { to: someone.instanceId, type: "task", content: "x", name: "t" } }
            : {}),
        });
        const code = (r.body as { code?: string }).code;
        const k = `${r.status} ${code}`;
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
        expect([name, method, path, r.status, code]).toEqual([name, method, path, 401, "UNAUTHORIZED"]);
      }
    }
    // Both plugin keys of the rotation work.
    expect((await api(url, "GET", "/api/stats", { key: ROTATED_KEY })).status).toBe(200);
    expect((await api(url, "GET", "/api/stats", { key: PLUGIN_KEY })).status).toBe(200);

    const auth = {
      protocolVersion: PROTOCOL_VERSION,
      instanceId: makeInstanceId("nokey"),
      secret: makeSecret(),
    };
    const sockets: Array<[string, Parameters<typeof attempt>[2]]> = [
      ["no key", { auth }],
      ...WRONG_KEYS.map((key): [string, Parameters<typeof attempt>[2]] => [
        "wrong key",
        { auth: { ...auth, key } },
      ]),
      ["key in query", { auth, query: { key: PLUGIN_KEY } }],
      ["key in header", { auth, headers: { authorization: `Bearer ${PLUGIN_KEY}` } }],
      ["key as number", { auth: { ...auth, key: 12345678901 } }],
    ];
    const socketCodes: string[] = [];
    for (const nsp of [NAMESPACES.plugin, NAMESPACES.dashboard]) {
      for (const [name, opts] of sockets) {
        const code = codeOf(await attempt(url, nsp, opts));
        socketCodes.push(code);
        expect([nsp, name, code]).toEqual([nsp, name, "UNAUTHORIZED"]);
      }
    }
    // The main namespace has no handlers; a keyless socket must not be able to sit on it either.
    const main = codeOf(await attempt(url, "/", {}));
    printLine("security-keys", {
      rest_calls: routes.length * dressings.length,
      rest_outcomes: Object.fromEntries(outcomes),
      socket_attempts: socketCodes.length,
      socket_unauthorized: socketCodes.filter((c) => c === "UNAUTHORIZED").length,
      main_namespace_without_key: main,
    });
    expect(main, "a keyless socket on the main namespace").not.toBe("CONNECTED");
  }, 60_000);

  test("with a dashboard key configured, a plugin key has none of its powers", async () => {
    const sender = await client();
    const owner = await client({ autoAck: false });
    const topic = "guarded-topic";
    await owner.ok("subscribe_topic", { topic });
    const offline = await client();
    offline.close();
    await waitUntil(() => offline.disconnects.length > 0, 5000, "offline closed");
    // Dead letters: delivered once unacked (CC2CC_MAX_DELIVERIES=1), then claimed again.
    for (let i = 0; i < 3; i++) expect((await sender.send(owner.instanceId, `doomed ${i}`)).ok).toBe(true);
    await waitUntil(() => owner.deliveries.length >= 3, 5000, "the owner's window");
    const deadId = owner.deliveries[0]!.message.id;
    owner.dropTransport();
    await owner.waitForWelcomes(2);
    for (let i = 0; i < 2; i++) expect((await sender.send(owner.instanceId, `keep ${i}`)).ok).toBe(true);
    await waitUntil(() => owner.deliveries.length >= 5, 5000, "two more, unacked");
    const oid = enc(owner.instanceId);
    const refused: Array<[string, string, unknown?]> = [
      ["DELETE", `/api/instances/${oid}/queue`],
      ["DELETE", `/api/topics/${topic}`],
      ["POST", "/api/topics", { name: "plugin-made", keep: true }],
      ["DELETE", `/api/instances/${enc(offline.instanceId)}`],
      ["POST", "/api/messages", { to: owner.instanceId, type: "task", content: "as the operator?" }],
      ["POST", `/api/instances/${oid}/dead-letters/${deadId}/replay`],
      ["DELETE", `/api/instances/${oid}/dead-letters/${deadId}`],
      ["GET", "/api/history"],
    ];
    for (const [method, path, body] of refused) {
      for (const key of [PLUGIN_KEY, ROTATED_KEY]) {
        const r = await api(url, method, path, { key, ...(body !== undefined ? { body } : {}) });
        expect([method, path, r.status, (r.body as { code?: string }).code]).toEqual([
          method,
          path,
          403,
          "FORBIDDEN",
        ]);
      }
    }
    const dash = codeOf(
      await attempt(url, NAMESPACES.dashboard, { auth: { key: PLUGIN_KEY, protocolVersion: 1 } }),
    );
    expect(dash).toBe("FORBIDDEN");
    // Nothing changed: the queue, the topic, the offline instance and the dead letter are there.
    const queue = await api(url, "GET", `/api/instances/${oid}/queue`);
    const stats = (queue.body as { stats: { pending: number; processing: number; deadLetters: number } })
      .stats;
    expect(stats.pending + stats.processing).toBe(2);
    expect(stats.deadLetters).toBe(3);
    expect((await api(url, "GET", `/api/topics/${topic}/subscribers`)).status).toBe(200);
    expect((await api(url, "GET", `/api/instances/${enc(offline.instanceId)}`)).status).toBe(200);
    expect(owner.messagesWith((m) => m.content === "as the operator?")).toHaveLength(0);
    // The dashboard key has them all.
    const op = await api(url, "POST", "/api/messages", {
      body: { to: owner.instanceId, type: "task", content: "from the operator", from: owner.instanceId },
    });
    expect(op.status, op.text).toBe(201);
    expect((op.body as { message: { from: string } }).message.from).toBe("operator@hub:cc2cc/c1");
    expect((await api(url, "DELETE", `/api/instances/${oid}/queue`)).status).toBe(200);
    expect(
      codeOf(await attempt(url, NAMESPACES.dashboard, { auth: { key: DASHBOARD_KEY, protocolVersion: 1 } })),
    ).toBe("CONNECTED");
    printLine("security-powers", { plugin_key_refusals: refused.length * 2, dashboard_key_ok: true });
  }, 60_000);

  test("nobody registers a live id with another secret, steals a queue by migration, or sends as someone else", async () => {
    const victimSecret = makeSecret();
    const victim = await client({ secret: victimSecret });
    const thief = makeSecret();
    secrets.push(thief);
    const takeOver = await attemptPlugin(victim.instanceId, thief);
    expect(takeOver).toBe("ID_IN_USE");
    // Same username@host:project as the victim, so only the secret stands in the way.
    const sibling = () =>
      `${victim.instanceId.slice(0, victim.instanceId.lastIndexOf("/"))}/${crypto.randomUUID()}`;
    const migrateLive = await attemptPlugin(sibling(), thief, {
      instanceId: victim.instanceId,
      secret: thief,
    });
    expect(migrateLive).not.toBe("CONNECTED");
    expect(victim.connected).toBe(true);
    expect(victim.disconnects).toEqual([]);

    // Offline, its queue waiting: a migration with the wrong secret must not move it.
    const sender = await client();
    victim.close();
    await sleep(300);
    for (let i = 0; i < 3; i++)
      expect((await sender.send(victim.instanceId, `for the victim ${i}`)).ok).toBe(true);
    const migrateOffline = await attemptPlugin(sibling(), thief, {
      instanceId: victim.instanceId,
      secret: thief,
    });
    expect(migrateOffline).not.toBe("CONNECTED");
    const back = await client({ instanceId: victim.instanceId, secret: victimSecret });
    await waitUntil(() => back.deliveries.length >= 3, 5000, "the victim's queue, intact");

    // `from`, `id`, `timestamp` and `hops` in a frame are the client's word and are ignored.
    const forged = await sender.request("send_message", {
      to: back.instanceId,
      type: "task",
      content: "who sent this?",
      from: back.instanceId,
      id: "forged-id",
      timestamp: "1999-01-01T00:00:00.000Z",
      hops: 99,
    } as never);
    if (!forged.ok) throw new Error(JSON.stringify(forged.error));
    const got = await back.waitForDelivery((m) => m.content === "who sent this?");
    expect(got.message.from).toBe(sender.instanceId);
    expect(got.message.id).not.toBe("forged-id");
    expect(got.message.timestamp).not.toBe("1999-01-01T00:00:00.000Z");
    expect(got.message.hops ?? 0).toBe(0);
    const reserved = await attemptPlugin("operator@hub:cc2cc/c1", makeSecret());
    expect(reserved).toBe("FORBIDDEN");
    printLine("security-identity", {
      live_takeover: takeOver,
      migrate_live: migrateLive,
      migrate_offline: migrateOffline,
      forged_from_delivered_as: got.message.from === sender.instanceId ? "sender" : got.message.from,
      reserved_operator_id: reserved,
    });
  }, 60_000);

  async function attemptPlugin(
    instanceId: string,
    secret: string,
    migrateFrom?: { instanceId: string; secret: string },
  ): Promise<string> {
    try {
      const c: TestClient = await cluster.client({
        url,
        instanceId,
        secret,
        reconnection: false,
        ...(migrateFrom ? { migrateFrom } : {}),
      });
      c.close();
      return "CONNECTED";
    } catch (err) {
      if (err instanceof ConnectError) return String((err.data as { code?: string }).code);
      throw err;
    }
  }

  test("no key or secret in the hub's log (debug level) or in /metrics", async () => {
    const log = cluster.live.output(70_000);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const needles = [PLUGIN_KEY, ROTATED_KEY, DASHBOARD_KEY, ...WRONG_KEYS.map((k) => k.trim()), ...secrets];
    const inLog = needles.filter((n) => log.includes(n));
    const inMetrics = needles.filter((n) => metrics.includes(n));
    printLine("security-leaks", {
      log_chars: log.length,
      log_lines: log.split("\n").length,
      needles: needles.length,
      in_log: inLog.length,
      in_metrics: inMetrics.length,
    });
    // The helper keeps the last 64 KiB; the check covers the whole log only below that.
    expect(log.length).toBeLessThan(64 * 1024);
    expect(log).toContain("plugin connected");
    expect(inLog).toEqual([]);
    expect(inMetrics).toEqual([]);
  });
});

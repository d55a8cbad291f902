// `helm test` check, run with the hub image's Node (22+, which has a global WebSocket).
// It needs no npm package: it speaks the socket.io v5 / Engine.IO v4 wire format itself, so the
// image stays production-only. It proves that
//   1. /health and /ready answer 200 (the replica reaches Redis),
//   2. a plugin handshake on /plugin succeeds (key accepted, `welcome` received),
//   3. a request/ack round trip works (`whoami`), and presence is readable (`list_instances`).
// Env: CC2CC_HUB_URL (http://svc:port), CC2CC_HUB_API_KEY (first key is used),
//      CC2CC_PROTOCOL_VERSION (default 1), CC2CC_TEST_TIMEOUT_MS (default 60000).
import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";

const baseUrl = (process.env.CC2CC_HUB_URL ?? "http://127.0.0.1:3100").replace(/\/+$/, "");
const key = (process.env.CC2CC_HUB_API_KEY ?? "").split(",")[0].trim();
const protocolVersion = Number(process.env.CC2CC_PROTOCOL_VERSION ?? "1");
const deadline = Date.now() + Number(process.env.CC2CC_TEST_TIMEOUT_MS ?? "60000");
const NSP = "/plugin";

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`FAIL: ${msg}\n`);
  process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET until it answers 200 or the deadline passes (a rollout may still be settling). */
async function expectOk(path) {
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(baseUrl + path, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      if (res.status === 200) return body;
      last = `HTTP ${res.status} ${body.slice(0, 200)}`;
    } catch (err) {
      last = String(err?.cause?.code ?? err?.message ?? err);
    }
    await sleep(1000);
  }
  fail(`GET ${path}: ${last}`);
}

/** One plugin session over a raw WebSocket: handshake, welcome, then acked requests. */
function pluginSession(auth) {
  const wsUrl = `${baseUrl.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(wsUrl);
  const pendingAcks = new Map();
  const waiters = new Map();
  const arrived = new Map();
  let nextAckId = 0;
  let broken = null;

  const send = (packet) => ws.send(packet);
  // Events may arrive before anyone waits for them (welcome follows the connect at once).
  const deliver = (type, value) => {
    const list = waiters.get(type);
    waiters.delete(type);
    if (list) for (const w of list) w.resolve(value);
    else if (!arrived.has(type)) arrived.set(type, value);
  };
  const abort = (reason) => {
    if (broken) return;
    broken = new Error(reason);
    for (const list of waiters.values()) for (const w of list) w.reject(broken);
    waiters.clear();
    for (const w of pendingAcks.values()) w.reject(broken);
    pendingAcks.clear();
  };

  ws.addEventListener("message", (ev) => {
    const data = String(ev.data);
    const eio = data[0];
    if (eio === "0") {
      // Engine.IO open: join the plugin namespace with the handshake auth.
      send(`40${NSP},${JSON.stringify(auth)}`);
      return;
    }
    if (eio === "2") {
      send("3"); // heartbeat
      return;
    }
    if (eio !== "4") return;
    const m = /^(\d)(?:(\/[^,]*),)?(\d*)(.*)$/s.exec(data.slice(1));
    if (!m || (m[2] ?? "/") !== NSP) return;
    const [, type, , ackId, payload] = m;
    if (type === "0") {
      deliver("connect", JSON.parse(payload || "{}"));
    } else if (type === "4") {
      abort(`handshake refused: ${payload}`);
    } else if (type === "2") {
      const [event, arg] = JSON.parse(payload);
      deliver(`event:${event}`, arg);
    } else if (type === "3") {
      const w = pendingAcks.get(ackId);
      pendingAcks.delete(ackId);
      w?.resolve(JSON.parse(payload)[0]);
    } else if (type === "1") {
      abort("the hub disconnected the socket");
    }
  });
  ws.addEventListener("close", (ev) => abort(`websocket closed (${ev.code})`));
  ws.addEventListener("error", (ev) => abort(`websocket error: ${ev.message ?? "connection failed"}`));

  return {
    waitFor(type) {
      if (arrived.has(type)) return Promise.resolve(arrived.get(type));
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        const list = waiters.get(type) ?? [];
        list.push({ resolve, reject });
        waiters.set(type, list);
      });
    },
    request(event, payload) {
      if (broken) return Promise.reject(broken);
      const id = String(nextAckId++);
      return new Promise((resolve, reject) => {
        pendingAcks.set(id, { resolve, reject });
        send(`42${NSP},${id}${JSON.stringify([event, payload])}`);
      });
    },
    close() {
      if (ws.readyState === WebSocket.OPEN) send(`41${NSP},`);
      ws.close();
    },
  };
}

function withDeadline(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}`)),
      Math.max(1000, deadline - Date.now()),
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  if (!key) fail("CC2CC_HUB_API_KEY is empty");
  log(`health: ${await expectOk("/health")}`);
  log(`ready: ${await expectOk("/ready")}`);

  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .slice(0, 64) || "pod";
  const instanceId = `helm-test@${host}:cc2cc/${randomUUID()}`;
  const session = pluginSession({
    key,
    protocolVersion,
    instanceId,
    secret: randomBytes(24).toString("hex"),
  });
  try {
    const welcome = session.waitFor("event:welcome");
    await withDeadline(session.waitFor("connect"), "the /plugin handshake");
    const w = await withDeadline(welcome, "welcome");
    log(`welcome from replica ${w.replica} (protocol ${w.protocolVersion})`);

    const me = await withDeadline(session.request("whoami", {}), "the whoami reply");
    if (!me?.ok) fail(`whoami refused: ${JSON.stringify(me?.error)}`);
    if (me.data.instance.instanceId !== instanceId) fail(`whoami answered ${me.data.instance.instanceId}`);
    log(`whoami ok on replica ${me.data.replica}`);

    const list = await withDeadline(session.request("list_instances", {}), "the list_instances reply");
    if (!list?.ok) fail(`list_instances refused: ${JSON.stringify(list?.error)}`);
    if (!list.data.instances.some((i) => i.instanceId === instanceId && i.online)) {
      fail("list_instances does not show this instance online");
    }
    log(`presence ok (${list.data.instances.length} instance(s) known)`);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  } finally {
    session.close();
  }
  log("PASS");
}

await main();

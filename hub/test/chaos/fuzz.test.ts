import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PLUGIN_KEY } from "../helpers/hub-process.js";
import { type TestClient, waitUntil } from "../helpers/test-client.js";
import { Child } from "./support/child.js";
import { Cluster } from "./support/cluster.js";
import { Ledger, printLine, report } from "./support/ledger.js";
import { hubPid, rssKiB } from "./support/proc-stats.js";
import { Rng } from "./support/random.js";
import { RawSio } from "./support/raw-sio.js";
import { type RestOutcome, restFuzzOnce } from "./support/rest-fuzz.js";
import { drain, pool, seenBy, sleep, trackedSend } from "./support/stream.js";

const SIO_WORKERS = 4;
const SIO_FRAMES = 23_000;
const RAW_WORKERS = 2;
const RAW_FRAMES = 4_000;
const REST_REQUESTS = 2_000;
const SOAK_FRAMES = 10_000;
/** The hub's frame cap: 2 × CC2CC_MAX_CONTENT_BYTES (64 KiB) + 64 KiB. */
const MAX_FRAME = 2 * 65_536 + 65_536;
/** Outcomes that mean the hub let a bad frame pass without a word, or broke its own contract. */
const BAD = ["no_reply", "dropped", "ignored", "wedged", "malformed_reply"];

type Counts = Record<string, Record<string, number>>;

/**
 * Over a hundred thousand generated frames and two thousand REST requests against one hub,
 * from six worker processes (four through socket.io-client, two below it on a bare WebSocket),
 * while a good pair of clients keeps messaging through the same hub.
 */
describe("fuzzer: hostile frames and bodies", () => {
  let cluster: Cluster;
  const workers: Child[] = [];
  const rng = new Rng();

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 1,
      env: { CC2CC_LOG_LEVEL: "warn", CC2CC_PAIR_RATE: "1000000" },
    });
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) await w.kill9();
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  function worker(i: number, mode: "sio" | "raw", frames: number): Child {
    return new Child(
      "fuzz-child.ts",
      {
        CHAOS_MODE: mode,
        CHAOS_PORT: String(cluster.live.port),
        CHAOS_COUNT: String(frames),
        CHAOS_SEED: String(rng.seed + i),
        CHAOS_KEY: PLUGIN_KEY,
        CHAOS_ID: `fuzz${i}@fuzz-host:fuzz/w${i}-${rng.seed}`,
        CHAOS_RATE: "800",
        CHAOS_INFLIGHT: "96",
        CHAOS_MAX_FRAME: String(MAX_FRAME),
      },
      { nice: 19 },
    );
  }

  test("the hub never crashes, every bad frame is answered or dropped, RSS stays bounded, good traffic flows", async () => {
    const hub = cluster.live;
    const pid = hubPid(hub.port);
    const a = await cluster.client({ url: hub.url });
    const b = await cluster.client({ url: hub.url });
    const good = new Ledger();
    let fuzzing = true;
    let goodSeq = 0;
    const goodLoop = (async () => {
      while (fuzzing) {
        const [from, to] = goodSeq % 2 === 0 ? [a, b] : [b, a];
        await trackedSend(
          from as TestClient,
          good,
          from === a ? "a" : "b",
          goodSeq++,
          (to as TestClient).instanceId,
        );
        await sleep(20);
      }
    })();
    await sleep(1500);
    const rssBefore = rssKiB(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssKiB(pid));
    }, 500);

    const started = Date.now();
    for (let i = 0; i < SIO_WORKERS + RAW_WORKERS; i++) {
      workers.push(worker(i, i >= SIO_WORKERS ? "raw" : "sio", i >= SIO_WORKERS ? RAW_FRAMES : SIO_FRAMES));
    }
    const restOutcomes: RestOutcome[] = [];
    const restRng = new Rng(rng.seed + 100);
    await pool([...Array(REST_REQUESTS).keys()], 6, async () => {
      restOutcomes.push(await restFuzzOnce(hub.url, restRng));
    });
    await Promise.all(
      workers.map((w) => w.waitFor(() => w.of("report").length > 0, 300_000, "the fuzz report")),
    );
    const fuzzMs = Date.now() - started;
    fuzzing = false;
    await goodLoop;
    await sleep(3000);
    const rssAfter = rssKiB(pid);
    // A second, smaller round from fresh workers: growth that repeats is a leak, growth that
    // does not was the heap settling at its working size.
    const second = [worker(10, "sio", SOAK_FRAMES), worker(11, "sio", SOAK_FRAMES)];
    workers.push(...second);
    await Promise.all(
      second.map((w) => w.waitFor(() => w.of("report").length > 0, 120_000, "the soak report")),
    );
    await sleep(3000);
    clearInterval(sampler);
    const rssSoak = rssKiB(pid);

    const merged: Counts = {};
    let frames = 0;
    const samples: unknown[] = [];
    for (const w of workers) {
      const r = w.of("report").at(-1)!;
      frames += Number(r.sent);
      if (r.error) samples.push({ workerError: r.error });
      samples.push(...(r.samples as unknown[]));
      for (const [label, outcomes] of Object.entries(r.counts as Counts)) {
        merged[label] ??= {};
        for (const [o, n] of Object.entries(outcomes)) {
          merged[label][o] = label.endsWith("slowest-ms")
            ? Math.max(merged[label][o] ?? 0, n)
            : (merged[label][o] ?? 0) + n;
        }
      }
    }
    const bad = Object.entries(merged).flatMap(([label, o]) =>
      BAD.filter((k) => (o[k] ?? 0) > 0).map((k) => `${label}:${k}=${o[k]}`),
    );
    // A request the hub answered with no coded error; a dropped connection (status 0) is allowed.
    const restBad = restOutcomes.filter((o) => !o.ok && o.status >= 400);
    const restStatus: Record<string, number> = {};
    for (const o of restOutcomes) restStatus[o.status] = (restStatus[o.status] ?? 0) + 1;
    const drained = await drain(
      good,
      () => {
        good.observe(a.instanceId, seenBy(a));
        good.observe(b.instanceId, seenBy(b));
      },
      10_000,
    );
    const s = good.summary();
    printLine("fuzz", {
      seed: rng.seed,
      frames,
      rest_requests: restOutcomes.length,
      fuzz_ms: fuzzMs,
      hub_running: hub.running,
      rss_before_mib: Math.round(rssBefore / 1024),
      rss_peak_mib: Math.round(rssPeak / 1024),
      rss_after_mib: Math.round(rssAfter / 1024),
      soak_frames: 2 * SOAK_FRAMES,
      rss_after_soak_mib: Math.round(rssSoak / 1024),
      unanswered_bad_frames: bad.length === 0 ? 0 : bad.join(";"),
      rest_status: restStatus,
      rest_defects: restBad.length,
      rest_retried_after_hub_closed_connection: restOutcomes.filter((o) => o.retried).length,
      rest_connection_dropped: restOutcomes.filter((o) => o.status === 0).length,
    });
    for (const [label, o] of Object.entries(merged).sort()) printLine(`fuzz-outcomes ${label}`, o);
    report("fuzz-good-clients", s, { drain_ms: drained.ms });
    if (bad.length > 0 || restBad.length > 0) {
      console.error("fuzz samples:", JSON.stringify(samples.slice(0, 20), null, 1));
      const byKind = new Map<string, { n: number; detail: string }>();
      for (const o of restBad) {
        const k = `${o.status} ${o.label}`;
        byKind.set(k, {
          n: (byKind.get(k)?.n ?? 0) + 1,
          detail: byKind.get(k)?.detail ?? o.detail.slice(0, 160),
        });
      }
      for (const [k, v] of byKind) console.error(`rest defect x${v.n}: ${k} -> ${v.detail}`);
    }
    expect(hub.running, "the hub process is still the one we started").toBe(true);
    expect(frames - 2 * SOAK_FRAMES, "frames in the main round").toBeGreaterThanOrEqual(100_000);
    expect(bad).toEqual([]);
    const summary = merged["sio-summary"] ?? {};
    expect(summary.disconnects, "no fitting frame costs its connection").toBe(0);
    expect(summary.notices ?? 0, "every frame without an ack callback gets a notice").toBeGreaterThanOrEqual(
      summary.frames_without_ack ?? 0,
    );
    expect(Object.keys(merged["sio-oversize"] ?? {})).toEqual(["transport close"]);
    expect(restBad.map((o) => `${o.status} ${o.label}`)).toEqual([]);
    expect(s.accepted).toBeGreaterThan(100);
    expect(s.lost).toBe(0);
    expect(Object.keys(s.refused)).toEqual([]);
    // V8 keeps the heap it grew while 120k frames (up to the frame cap each) went through, so
    // the fuzz itself gets an absolute ceiling; "bounded" is the soak: no growth on a repeat.
    expect(rssAfter, "RSS after the fuzz (KiB)").toBeLessThan(512 * 1024);
    expect(rssSoak - rssAfter, "RSS growth over the soak round (KiB)").toBeLessThan(48 * 1024);
  }, 400_000);

  /** Fires `n` frames at once on a fresh connection and tallies what came back. */
  async function flood(event: string, n: number): Promise<Record<string, number>> {
    const c = await cluster.client({ url: cluster.live.url, reconnection: false });
    const tally: Record<string, number> = {};
    await Promise.all(
      Array.from({ length: n }, () =>
        c.emitRaw(event, [{}], 20_000).then(
          (r) => {
            const code = (r as { ok: boolean; error?: { code: string } }).ok
              ? "ok"
              : (r as { error: { code: string } }).error.code;
            tally[code] = (tally[code] ?? 0) + 1;
          },
          () => {
            tally.dropped = (tally.dropped ?? 0) + 1;
          },
        ),
      ),
    );
    tally.disconnected = c.connected ? 0 : 1;
    tally.rate_notices = c.notices.filter((x) => x.code === "RATE_LIMITED").length;
    c.close();
    return tally;
  }

  test("frame rate limit (CC2CC_FRAME_RATE 1000/s): a flood is RATE_LIMITED and then cut, unknown events included", async () => {
    const known = await flood("whoami", 6000);
    const unknown = await flood("frobnicate", 6000);
    printLine("fuzz-rate-limit", { known_event_flood: known, unknown_event_flood: unknown });
    expect(cluster.live.running).toBe(true);
    expect(known.RATE_LIMITED ?? 0).toBeGreaterThan(0);
    expect(known.disconnected).toBe(1);
    // Unknown events are frames too: they must not slip past the limiter.
    expect(
      (unknown.RATE_LIMITED ?? 0) + (unknown.disconnected ?? 0),
      "unknown-event flood limited",
    ).toBeGreaterThan(0);
  }, 120_000);

  test("maximum frame size: a frame at the cap is read and refused by schema; one byte more drops the connection", async () => {
    const auth = (n: string) => ({
      key: PLUGIN_KEY,
      protocolVersion: 1,
      instanceId: `frame${n}@fuzz-host:fuzz/cap-${rng.seed}`,
      secret: `frame-cap-secret-${n}-0123456789`,
    });
    const packet = (size: number) => {
      const head = '42/plugin,1["send_message",{"to":"x@y:z/w","type":"task","content":"';
      const tail = '"}]';
      return head + "y".repeat(size - head.length - tail.length) + tail;
    };
    const atCap = await RawSio.open(cluster.live.port, auth("a"));
    atCap.ws.text(packet(MAX_FRAME));
    const reply = (await atCap.waitAck(1, 10_000))?.[0] as {
      ok: boolean;
      error?: { code: string; field?: string };
    };
    const overCap = await RawSio.open(cluster.live.port, auth("b"));
    overCap.ws.text(packet(MAX_FRAME + 1));
    await waitUntil(() => overCap.ws.closed, 5000, "the over-cap frame to cost its connection");
    printLine("fuzz-frame-cap", {
      cap_bytes: MAX_FRAME,
      at_cap: reply ? `${reply.error?.code}:${reply.error?.field}` : "no reply",
      over_cap_close_code: overCap.ws.closeCode ?? "socket closed",
    });
    expect(reply?.error).toMatchObject({ code: "VALIDATION", field: "content" });
    expect(atCap.ws.closed).toBe(false);
    expect(overCap.ws.closeCode).toBe(1009);
    atCap.close();
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { type TestClient, waitUntil } from "../helpers/test-client.js";
import { Cluster, THROUGHPUT_ENV } from "./support/cluster.js";
import { Ledger, report } from "./support/ledger.js";
import { drain, runStream, seenBy, sleep } from "./support/stream.js";

/**
 * A rolling restart under load, as `kubectl rollout restart` does it: each replica in turn gets
 * SIGTERM while senders and recipients stream through the ingress stand-in, exits on its own,
 * and is started again once its clients have moved to the other replicas.
 */
describe("SIGTERM to each replica in turn under load (rolling restart)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({
      replicas: 3,
      ingress: true,
      env: { ...THROUGHPUT_ENV, CC2CC_SHUTDOWN_GRACE: "5000" },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);
  beforeEach((ctx) => ctx.onTestFailed(() => console.error(cluster.logs())));

  test("graceful drain: exit 0, zero loss, clients move to the other replicas", async () => {
    const recipients: TestClient[] = [];
    for (let i = 0; i < 6; i++) recipients.push(await cluster.client({}));
    const senders: TestClient[] = [];
    for (let i = 0; i < 3; i++) senders.push(await cluster.client({}));
    const everyone = [...recipients, ...senders];
    const ledger = new Ledger();
    const rounds: Array<{
      replica: string;
      exit: number | null;
      drainMs: number;
      moved: number;
      movedTo: string;
    }> = [];
    let streaming = true;
    const roller = (async () => {
      await sleep(3000);
      for (let i = 0; i < 3 && streaming; i++) {
        const name = cluster.names[i]!;
        const held = everyone.filter((c) => c.connected && c.welcome.replica === name);
        const welcomesBefore = held.map((c) => c.welcomes.length);
        const t0 = Date.now();
        const exit = await cluster.terminate(i);
        const drainMs = Date.now() - t0;
        await waitUntil(
          () => held.every((c, k) => c.connected && c.welcomes.length > welcomesBefore[k]!),
          15_000,
          `the clients of ${name} on other replicas`,
        );
        const movedTo = [...new Set(held.map((c) => c.welcome.replica))].sort().join("+");
        rounds.push({ replica: name, exit, drainMs, moved: held.length, movedTo });
        await cluster.restart(i);
        await sleep(2500);
      }
    })();
    await runStream({ senders, recipients, ledger, durationMs: 25_000, pauseMs: 10, maxPerSender: 5000 });
    streaming = false;
    await roller;
    const observe = () => {
      for (const r of recipients) ledger.observe(r.instanceId, seenBy(r));
    };
    const drained = await drain(ledger, observe, 60_000);
    const s = ledger.summary();
    const notices = everyone.reduce(
      (n, c) => n + c.notices.filter((x) => x.code === "SHUTTING_DOWN").length,
      0,
    );
    report("sigterm-rolling", s, {
      restarts: rounds.length,
      exit_codes: rounds.map((r) => r.exit).join(","),
      shutdown_ms_max: Math.max(...rounds.map((r) => r.drainMs)),
      clients_moved: rounds.map((r) => `${r.replica}:${r.moved}->${r.movedTo}`).join(" "),
      shutting_down_notices: notices,
      drain_ms: drained.ms,
    });
    expect(rounds).toHaveLength(3);
    for (const r of rounds) {
      expect(r.exit).toBe(0);
      expect(r.movedTo.split("+")).not.toContain(r.replica);
    }
    expect(rounds.reduce((n, r) => n + r.moved, 0)).toBeGreaterThanOrEqual(everyone.length);
    expect(s.lost, `lost ids: ${s.lostIds.join(",")}`).toBe(0);
    expect(s.outOfOrder).toBe(0);
    // A graceful drain answers what it took in: no send the hub accepted is left without a
    // reply. A frame still on the wire when the transport closes never reaches the hub; its
    // sender sees no reply and retries, and the message must not have been delivered.
    expect(s.unconfirmedDelivered).toBe(0);
    expect(notices).toBeGreaterThanOrEqual(everyone.length);
    for (const c of everyone) expect(c.badFrames).toEqual([]);
  }, 180_000);
});

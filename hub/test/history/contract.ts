import {
  HISTORY_LIMITS,
  type HistoryQuery,
  HistoryQuerySchema,
  type HubEvent,
  type ReplicaRecord,
} from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { analytics } from "../../src/history/analytics.js";
import type { HistoryOptions, HistoryStore } from "../../src/history/history-store.js";
import { ALICE, acked, BOB, CAROL, disconnected, sent, topicCreated } from "./events.js";

/** A fresh, empty store per call; `clock` is what the store takes as now (for age trimming). */
export type HistoryFactory = (opts: Partial<HistoryOptions>, clock: () => number) => Promise<HistoryStore>;

const query = (q: Record<string, string> = {}): HistoryQuery => HistoryQuerySchema.parse(q);
const DEFAULTS: HistoryOptions = { maxLen: 100_000, maxAgeMs: 7 * 24 * 3_600_000 };

function replica(name: string, state: ReplicaRecord["state"] = "live"): ReplicaRecord {
  const at = new Date().toISOString();
  return {
    replica: name,
    engine: "redis",
    startedAt: at,
    at,
    state,
    connections: { plugin: 2, dashboard: 1 },
    instances: 2,
    rates: { messagesPerMin: 3, acksPerMin: 3, eventsPerMin: 7 },
    totals: { messages: 10, events: 30, dropped: 0 },
    memory: { rssBytes: 1, heapUsedBytes: 1 },
  };
}

/** The suite every HistoryStore passes (see src/history/history-store.ts). */
export function historyContract(name: string, factory: HistoryFactory): void {
  const open = (opts: Partial<HistoryOptions> = {}, clock: () => number = Date.now) =>
    factory({ ...DEFAULTS, ...opts }, clock);

  describe(`HistoryStore contract: ${name}`, () => {
    it("lists newest first and pages with the cursor without gaps or repeats", async () => {
      const store = await open();
      const events = Array.from({ length: 25 }, (_, i) => sent(ALICE, [BOB], { content: `m${i}` }));
      await store.append(events.slice(0, 10));
      await store.append(events.slice(10));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await store.list(query({ limit: "10", ...(cursor ? { cursor } : {}) }));
        seen.push(
          ...res.entries.map((e) => (e.event.type === "message:sent" ? e.event.message.content : "")),
        );
        if (res.next === null) break;
        cursor = res.next;
      }
      expect(seen).toEqual(events.map((e) => e.message.content).reverse());
    });

    it("pages across batch boundaries, mixed events and filters, with the cursor inside a batch", async () => {
      const store = await open();
      const batches = [1, 4, 7, 2, 5].map((n, b): HubEvent[] =>
        Array.from({ length: n }, (_, i) =>
          i % 3 === 2 ? disconnected(`${b}-${i}@h:p/s`) : sent(ALICE, [BOB], { content: `b${b}m${i}` }),
        ),
      );
      for (const batch of batches) await store.append(batch);
      const label = ({ event: e }: { event: HubEvent }) =>
        e.type === "message:sent"
          ? e.message.content
          : e.type === "instance:disconnected"
            ? `d:${e.instanceId}`
            : e.type;
      const all = batches
        .flat()
        .map((event) => label({ event }))
        .reverse();
      for (const limit of [1, 3, 4]) {
        const seen: string[] = [];
        const ids: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 30; page++) {
          const res = await store.list(query({ limit: String(limit), ...(cursor ? { cursor } : {}) }));
          seen.push(...res.entries.map(label));
          ids.push(...res.entries.map((e) => e.id));
          if (res.next === null) break;
          cursor = res.next;
        }
        expect(seen).toEqual(all);
        expect(new Set(ids).size).toBe(all.length);
      }
      const onlyMessages: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 30; page++) {
        const res = await store.list(query({ type: "task", limit: "2", ...(cursor ? { cursor } : {}) }));
        onlyMessages.push(...res.entries.map(label));
        if (res.next === null) break;
        cursor = res.next;
      }
      expect(onlyMessages).toEqual(all.filter((l) => !l.startsWith("d:")));
      // Every id found by paging also finds its message.
      const third = batches[2]![1]!;
      if (third.type !== "message:sent") throw new Error("fixture");
      expect((await store.message(third.message.id))?.message.content).toBe("b2m1");
    });

    it("filters by message or event type, instance, topic, text and time", async () => {
      const store = await open();
      const t0 = Date.now();
      await store.append([
        sent(ALICE, [BOB], { type: "question", content: "Where is the **build** log?" }),
        sent(BOB, [], { to: "topic:deploys", topic: "deploys", type: "result", content: "deployed v2" }),
        topicCreated("deploys"),
        disconnected(CAROL),
      ]);
      const types = (q: Record<string, string>) =>
        store.list(query(q)).then((p) => p.entries.map((e) => e.event.type));
      expect(await types({ type: "question" })).toEqual(["message:sent"]);
      expect(await types({ type: "topic:created,instance:disconnected" })).toEqual([
        "instance:disconnected",
        "topic:created",
      ]);
      expect(await types({ instance: "CAROL@" })).toEqual(["instance:disconnected"]);
      expect(await types({ topic: "deploys" })).toEqual(["topic:created", "message:sent"]);
      expect(await types({ text: "BUILD" })).toEqual(["message:sent"]);
      expect(await types({ since: String(t0 - 60_000), until: String(t0 - 30_000) })).toEqual([]);
      expect((await types({ since: String(t0 - 60_000) })).length).toBe(4);
    });

    it("stops after the scan budget with a cursor to continue from", async () => {
      const store = await open();
      const needle = sent(CAROL, [BOB], { content: "needle" });
      const hay = Array.from({ length: HISTORY_LIMITS.scanBudget + 100 }, () => sent(ALICE, [BOB]));
      await store.append([needle]);
      for (let i = 0; i < hay.length; i += 1000) await store.append(hay.slice(i, i + 1000));
      const first = await store.list(query({ instance: "carol" }));
      expect(first.entries).toEqual([]);
      expect(first.scanned).toBe(HISTORY_LIMITS.scanBudget);
      expect(first.next).not.toBeNull();
      const second = await store.list(query({ instance: "carol", cursor: first.next! }));
      expect(second.entries.map((e) => e.event.type === "message:sent" && e.event.message.content)).toEqual([
        "needle",
      ]);
      expect(second.next).toBeNull();
    });

    it("looks a message up by id with its root and acks", async () => {
      const store = await open();
      const m = sent(ALICE, [BOB, CAROL]);
      await store.append([m, acked(BOB, [m.message.id])]);
      await store.append([acked(CAROL, [m.message.id])]);
      const found = await store.message(m.message.id);
      expect(found?.message).toEqual(m.message);
      expect(found?.rootId).toBe(m.message.id);
      expect(found?.recipients).toEqual([BOB, CAROL]);
      expect(found?.acks.map((a) => a.instanceId).sort()).toEqual([BOB, CAROL]);
      expect(await store.message("0190f0c8-0000-7000-8000-000000000000")).toBeNull();
    });

    it("groups replies into threads by replyTo, across batches, most recent first", async () => {
      const store = await open();
      const t = Date.now() - 10_000;
      const root = sent(ALICE, [BOB], { content: "build it", at: t });
      const lone = sent(CAROL, [], { to: "broadcast", content: "hi all", at: t + 1000 });
      await store.append([root, lone]);
      const reply = sent(BOB, [ALICE], { type: "result", replyTo: root.message.id, at: t + 2000 });
      const replyToReply = sent(ALICE, [BOB], { type: "ack", replyTo: reply.message.id, at: t + 3000 });
      await store.append([reply]);
      await store.append([replyToReply]);
      const page = await store.threads({ limit: 10 });
      expect(page.threads.map((t) => [t.rootId, t.messages])).toEqual([
        [root.message.id, 3],
        [lone.message.id, 1],
      ]);
      expect(page.threads[0]?.participants).toEqual([ALICE, BOB]);
      expect(page.threads[0]?.root?.content).toBe("build it");
      const detail = await store.thread(root.message.id);
      expect(detail?.messages.map((m) => m.message.id)).toEqual([
        root.message.id,
        reply.message.id,
        replyToReply.message.id,
      ]);
      expect((await store.message(replyToReply.message.id))?.rootId).toBe(root.message.id);
      expect(await store.thread("0190f0c8-0000-7000-8000-000000000000")).toBeNull();
    });

    it("pages threads with a cursor", async () => {
      const store = await open();
      const roots = Array.from({ length: 7 }, (_, i) =>
        sent(ALICE, [BOB], { at: Date.now() - 7000 + i * 1000 }),
      );
      await store.append(roots);
      const first = await store.threads({ limit: 3 });
      const second = await store.threads({ limit: 3, cursor: first.next! });
      const third = await store.threads({ limit: 3, cursor: second.next! });
      const ids = [...first.threads, ...second.threads, ...third.threads].map((t) => t.rootId);
      expect(ids).toEqual(roots.map((r) => r.message.id).reverse());
      expect(third.next).toBeNull();
    });

    it("a reply to a message it never saw starts a thread under that id", async () => {
      const store = await open();
      const orphan = sent(BOB, [ALICE], { replyTo: "0190f0c8-0000-7000-8000-0000000000aa" });
      await store.append([orphan]);
      expect((await store.message(orphan.message.id))?.rootId).toBe("0190f0c8-0000-7000-8000-0000000000aa");
      const page = await store.threads({ limit: 5 });
      expect(page.threads[0]).toMatchObject({ rootId: "0190f0c8-0000-7000-8000-0000000000aa", root: null });
    });

    it("trims to the length cap, counted in events, dropping the oldest and their index", async () => {
      const store = await open({ maxLen: 100 });
      const events = Array.from({ length: 150 }, () => sent(ALICE, [BOB]));
      // Batches of ten: a store may drop a batch whole, and these end exactly at the cap.
      for (let i = 0; i < events.length; i += 10) await store.append(events.slice(i, i + 10));
      await store.trim();
      const all = await store.list(query({ limit: "1000" }));
      expect(all.entries).toHaveLength(100);
      expect(await store.message(events[0]!.message.id)).toBeNull();
      expect(await store.message(events[149]!.message.id)).not.toBeNull();
    });

    it("trims entries older than the age cap", async () => {
      let offset = 0;
      const store = await open({ maxAgeMs: 60_000 }, () => Date.now() + offset);
      const old = sent(ALICE, [BOB]);
      await store.append([old]);
      offset = 120_000;
      await store.trim();
      expect((await store.list(query())).entries).toEqual([]);
      expect(await store.message(old.message.id)).toBeNull();
    });

    it("keeps the counters analytics are computed from", async () => {
      const store = await open();
      const a = sent(ALICE, [BOB], { type: "task" });
      const b = sent(ALICE, [CAROL], { type: "question" });
      const c = sent(BOB, [], { to: "topic:deploys", topic: "deploys", type: "result" });
      await store.append([a, b, c, acked(BOB, [a.message.id], Date.parse(a.at) + 40)]);
      const res = await analytics(store, "1h", Date.now());
      expect(res.totals).toMatchObject({ task: 1, question: 1, result: 1, ack: 0 });
      expect(res.series.reduce((n, s) => n + (s.counts.task ?? 0), 0)).toBe(1);
      expect(res.topSenders[0]).toEqual({ id: ALICE, count: 2 });
      expect(res.topReceivers.map((r) => r.id).sort()).toEqual([BOB, CAROL, "topic:deploys"]);
      expect(res.edges).toContainEqual({ from: BOB, to: "topic:deploys", count: 1 });
      expect(res.latency.samples).toBe(1);
      expect(res.latency.p50).toBeGreaterThan(30);
      expect(res.latency.p50).toBeLessThanOrEqual(50);
    });

    it("stores replica records and forgets them after their TTL", async () => {
      const store = await open();
      await store.putReplica(replica("r2"), 60_000);
      await store.putReplica(replica("r1"), 60_000);
      await store.putReplica(replica("gone"), 30);
      await new Promise((r) => setTimeout(r, 80));
      expect((await store.replicas()).map((r) => r.replica)).toEqual(["r1", "r2"]);
      await store.putReplica(replica("r1", "stopped"), 60_000);
      expect((await store.replicas()).find((r) => r.replica === "r1")?.state).toBe("stopped");
    });
  });
}

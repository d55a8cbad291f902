import type { AnalyticsResponse, MessageRecord } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { deliveryRows } from "../../src/composables/use-message-record";
import { describeResult, replyDraft } from "../../src/composables/use-send";
import { rateSeries } from "../../src/lib/analytics-chart";
import { addEdges, buildGraph } from "../../src/lib/graph";
import { threadTree } from "../../src/lib/threads";
import { ALICE, BOB, msg } from "./events";

describe("view logic", () => {
  it("orders a thread as a tree of replies", () => {
    const root = msg(ALICE, BOB, { at: 1000 });
    const r1 = msg(BOB, ALICE, { at: 2000, replyTo: root.message.id });
    const r2 = msg(ALICE, BOB, { at: 3000, replyTo: r1.message.id });
    const side = msg(BOB, ALICE, { at: 2500, replyTo: root.message.id });
    const orphan = msg(BOB, ALICE, { at: 500, replyTo: "gone" });
    const tree = threadTree([r2, side, root, orphan, r1].map((e) => ({ message: e.message })));
    expect(tree.map((t) => [t.item.message.id, t.depth])).toEqual([
      [orphan.message.id, 0],
      [root.message.id, 0],
      [r1.message.id, 1],
      [r2.message.id, 2],
      [side.message.id, 1],
    ]);
  });

  it("builds the graph from edges and online instances", () => {
    const edges = new Map<string, number>();
    addEdges(edges, [
      { from: ALICE, to: BOB, count: 3 },
      { from: BOB, to: "topic:deploys", count: 1 },
    ]);
    addEdges(edges, [{ from: ALICE, to: BOB, count: 1 }]);
    const g = buildGraph(edges, []);
    expect(g.links).toContainEqual({ source: ALICE, target: BOB, value: 4 });
    expect(g.nodes.find((n) => n.id === BOB)?.value).toBe(5);
    expect(g.categories).toEqual(["address", "api", "webapp"]);
  });

  it("turns bucket counts into per-minute rates", () => {
    const a = {
      range: "6h",
      bucketMs: 5 * 60_000,
      series: [{ at: "t", counts: { task: 10 } }],
    } as unknown as AnalyticsResponse;
    expect(rateSeries(a).series.find((s) => s.type === "task")?.data).toEqual([2]);
  });

  it("merges delivery state with ack times", () => {
    const m = msg(ALICE, BOB, { at: Date.UTC(2030, 0, 1) });
    const record: MessageRecord = {
      entryId: "1-0",
      message: m.message,
      replica: "r1",
      recipients: [BOB],
      rootId: m.message.id,
      acks: [{ instanceId: BOB, at: new Date(Date.UTC(2030, 0, 1) + 1500).toISOString() }],
      status: {
        messageId: m.message.id,
        from: ALICE,
        to: BOB,
        acceptedAt: m.at,
        recipients: [{ instanceId: BOB, state: "replied", at: m.at }],
      },
    };
    expect(deliveryRows(record)).toEqual([
      { instanceId: BOB, state: "replied", at: m.at, ackAt: record.acks[0]!.at, latencyMs: 1500 },
    ]);
  });

  it("describes send results and drafts replies", () => {
    const m = msg(ALICE, BOB);
    expect(describeResult(BOB, { message: m.message, recipients: [BOB] })).toBe("Queued for 1 instance");
    expect(describeResult("topic:x", { message: m.message, recipients: [], liveRecipients: 3 })).toBe(
      "Sent live to 3 online instances (topic:x)",
    );
    expect(
      replyDraft({ to: "", type: "task", content: "hi", persistent: false, replyTo: null }, m.message),
    ).toEqual({
      to: ALICE,
      type: "result",
      content: "hi",
      persistent: false,
      replyTo: m.message.id,
    });
  });
});

describe("previews", () => {
  it("turns Markdown into one plain line", async () => {
    const { preview } = await import("../../src/lib/format");
    expect(preview("**Rate** `limits` [first](https://x)\n\n```ts\ncode()\n```\n> quote")).toBe(
      "Rate limits first [code] quote",
    );
    expect(preview("a".repeat(200), 10)).toBe(`${"a".repeat(9)}…`);
  });
});

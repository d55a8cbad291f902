import { describe, expect, it } from "vitest";
import { createFeed } from "../../src/composables/use-feed";
import { ALICE, acked, BOB, entry, msg } from "./events";

describe("feed store", () => {
  it("keeps at most max entries, dropping the oldest", () => {
    const feed = createFeed(100);
    for (let i = 0; i < 3; i++) feed.append(Array.from({ length: 60 }, () => msg(ALICE, BOB)));
    expect(feed.items.value).toHaveLength(100);
    expect(feed.visible.value).toBe(feed.items.value);
    const contents = feed.items.value.map((i) =>
      i.event.type === "message:sent" ? Number(i.event.message.content.split(" ")[1]) : 0,
    );
    expect(contents).toEqual([...contents].sort((a, b) => a - b));
  });

  it("merges history with live events by time, without duplicates", () => {
    const feed = createFeed();
    const [a, b, c] = [msg(ALICE, BOB), msg(BOB, ALICE), msg(ALICE, BOB)];
    feed.append([c]);
    expect(feed.merge([entry(c), entry(b), entry(a)])).toBe(2);
    feed.append([c]);
    expect(feed.items.value.map((i) => i.key)).toEqual([a, b, c].map((m) => `m:${m.message.id}`));
  });

  it("filters incrementally and in full when the filters change", () => {
    const feed = createFeed();
    feed.setFilters({ text: "deploy" });
    feed.append([
      msg(ALICE, BOB, { content: "please deploy" }),
      msg(ALICE, BOB, { content: "tests" }),
      acked(BOB, ["x"]),
    ]);
    expect(feed.visible.value).toHaveLength(1);
    feed.append([msg(BOB, ALICE, { content: "Deployed!" })]);
    expect(feed.visible.value).toHaveLength(2);
    feed.setFilters({ text: "", types: new Set(["result"]), events: true });
    expect(feed.visible.value.map((i) => i.event.type)).toEqual(["message:acked"]);
    feed.setFilters({ instance: "bob@", types: new Set(["task"]), events: false });
    expect(feed.visible.value).toHaveLength(3);
    feed.setFilters({ instance: "alice@", text: "tests" });
    expect(feed.visible.value).toHaveLength(1);
  });

  it("drops filtered entries too when the oldest leave the feed", () => {
    const feed = createFeed(3);
    feed.setFilters({ types: new Set(["task"]) });
    feed.append([msg(ALICE, BOB), msg(ALICE, BOB, { type: "result" }), msg(ALICE, BOB)]);
    expect(feed.visible.value).toHaveLength(2);
    feed.append([msg(ALICE, BOB, { type: "result" }), msg(ALICE, BOB, { type: "result" })]);
    expect(feed.items.value).toHaveLength(3);
    expect(feed.visible.value).toHaveLength(1);
  });

  it("counts acknowledgements of the messages it holds", () => {
    const feed = createFeed();
    const m = msg(ALICE, BOB);
    feed.append([m]);
    const tick = feed.ackTick.value;
    feed.append([acked(BOB, [m.message.id, "not-held"])]);
    expect(feed.acked(m.message.id)).toBe(1);
    expect(feed.acked("not-held")).toBe(0);
    expect(feed.ackTick.value).toBe(tick + 1);
  });

  it("takes 500 events into a full 10,000-entry feed quickly, with a filter on", () => {
    const feed = createFeed(10_000);
    feed.append(Array.from({ length: 10_000 }, () => msg(ALICE, BOB)));
    feed.setFilters({ text: "message 1" });
    const started = performance.now();
    // 500 events per second arrive as ~8 per animation frame.
    for (let frame = 0; frame < 60; frame++) feed.append(Array.from({ length: 8 }, () => msg(ALICE, BOB)));
    const perFrame = (performance.now() - started) / 60;
    expect(feed.items.value).toHaveLength(10_000);
    expect(perFrame).toBeLessThan(8);
  });
});

import { describe, expect, it } from "vitest";
import { createFeed, defaultFilters } from "../../src/composables/use-feed";
import { eventKey, filtersToQuery, matchesFilters } from "../../src/lib/hub-events";
import { ALICE, acked, BOB, msg } from "./events";

describe("hub event helpers", () => {
  it("gives history and live copies of an event the same key", () => {
    const m = msg(ALICE, BOB);
    expect(eventKey(JSON.parse(JSON.stringify(m)))).toBe(eventKey(m));
    expect(eventKey(acked(BOB, ["a"]))).not.toBe(eventKey(acked(ALICE, ["a"])));
  });

  it("matches topic, instance and text like the hub does", () => {
    const pub = msg(BOB, "topic:deploys", { topic: "deploys", content: "v2 is **live**" });
    const f = defaultFilters();
    expect(matchesFilters(pub, { ...f, topic: "deploys" })).toBe(true);
    expect(matchesFilters(pub, { ...f, topic: "other" })).toBe(false);
    expect(matchesFilters(pub, { ...f, instance: "BOB@dev2" })).toBe(true);
    expect(matchesFilters(pub, { ...f, text: "LIVE" })).toBe(true);
    expect(matchesFilters(acked(BOB, ["x"]), { ...f, events: false })).toBe(false);
  });

  it("turns filters into a history query, or null when nothing can match", () => {
    expect(filtersToQuery(defaultFilters())).toEqual({
      type: undefined,
      instance: undefined,
      topic: undefined,
      text: undefined,
    });
    const q = filtersToQuery({ ...defaultFilters(), types: new Set(["task"]), events: false, text: "x" });
    expect(q).toEqual({ type: "task", instance: undefined, topic: undefined, text: "x" });
    expect(filtersToQuery({ ...defaultFilters(), types: new Set(), events: false })).toBeNull();
    expect(createFeed().filters.value.types.size).toBe(5);
  });
});

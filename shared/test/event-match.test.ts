import { describe, expect, it } from "vitest";
import { type HubEvent, involvedIds, matchesQuery, scheduleOf, topicOf } from "../src/index.js";

const at = "2030-01-01T00:00:00.000Z";
const replica = "r1";
const ALICE = "alice@dev1:app/s1";
const BOB = "bob@dev2:app/s2";
const sent: HubEvent = {
  type: "message:sent",
  at,
  replica,
  message: {
    id: "m1",
    from: ALICE,
    to: "topic:deploys",
    type: "task",
    content: "v2 is LIVE",
    timestamp: at,
    topic: "deploys",
  },
  recipients: [BOB],
};
const subscribed: HubEvent = { type: "topic:subscribed", at, replica, topic: "deploys", instanceId: BOB };
const fired: HubEvent = {
  type: "schedule:fired",
  at,
  replica,
  fire: {
    scheduleId: `sch_${"a".repeat(32)}`,
    plannedAt: at,
    firedAt: at,
    outcome: "sent",
    trigger: "schedule",
    covers: 1,
    replica,
  },
};

describe("history filter (shared by the hub's history and the dashboard's live feed)", () => {
  it("names who and what an event is about", () => {
    expect(involvedIds(sent)).toEqual([ALICE, "topic:deploys", BOB]);
    expect(topicOf(sent)).toBe("deploys");
    expect(topicOf(subscribed)).toBe("deploys");
    expect(scheduleOf(fired)).toBe(`sch_${"a".repeat(32)}`);
    expect(involvedIds(fired)).toEqual([]);
  });

  it("passes a message on its message type or on message:sent, events on their type", () => {
    expect(matchesQuery(sent, { type: ["task"] })).toBe(true);
    expect(matchesQuery(sent, { type: ["message:sent"] })).toBe(true);
    expect(matchesQuery(sent, { type: ["result"] })).toBe(false);
    expect(matchesQuery(subscribed, { type: ["topic:subscribed"] })).toBe(true);
    expect(matchesQuery(subscribed, { type: ["task"] })).toBe(false);
  });

  it("matches instance and text case-insensitively, topic exactly; empty strings filter nothing", () => {
    expect(matchesQuery(sent, { instance: "BOB@dev2" })).toBe(true);
    expect(matchesQuery(sent, { instance: "carol" })).toBe(false);
    expect(matchesQuery(sent, { text: "live" })).toBe(true);
    expect(matchesQuery(sent, { topic: "deploys" })).toBe(true);
    expect(matchesQuery(sent, { topic: "other" })).toBe(false);
    expect(matchesQuery(subscribed, { text: "DEPLOYS" })).toBe(true);
    expect(matchesQuery(fired, { text: "sch_aaaa" })).toBe(true);
    expect(matchesQuery(fired, { instance: "", topic: "", text: "" })).toBe(true);
  });
});

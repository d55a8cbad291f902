import type { Message, MessagesFrame } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import type { ChannelNotification } from "../../src/channel.js";
import { Delivery } from "../../src/delivery.js";
import { createLogger } from "../../src/log.js";

const quiet = createLogger(false, () => undefined);

const msg = (id: string, over: Partial<Message> = {}): Message => ({
  id,
  from: "alice@box:api/s1",
  to: "bob@box:web/s2",
  type: "task",
  content: `body of ${id}`,
  timestamp: "2025-01-01T00:00:00.000Z",
  ...over,
});
const frame = (messages: Message[], requiresAck = true): MessagesFrame => ({ messages, requiresAck });

/** A delivery whose client and hub are plain recorders, with a log of what happened in order. */
function harness(push = true) {
  const events: string[] = [];
  const notified: ChannelNotification[] = [];
  let gate: Promise<void> = Promise.resolve();
  let failNotify = false;
  const delivery = new Delivery({
    push,
    log: quiet,
    dedupCapacity: 100,
    inboxCapacity: 5,
    notify: async (n) => {
      await gate;
      if (failNotify) throw new Error("transport closed");
      notified.push(n);
      events.push(`notify ${n.params.meta.message_id}`);
    },
    ack: async (ids) => {
      events.push(`ack ${ids.join(",")}`);
    },
  });
  return {
    delivery,
    events,
    notified,
    hold: () => {
      let release: () => void = () => {};
      gate = new Promise<void>((r) => {
        release = r;
      });
      return release;
    },
    failNext: () => {
      failNotify = true;
    },
  };
}

describe("Delivery", () => {
  it("acks only after the notifications were written, in order", async () => {
    const h = harness();
    const release = h.hold();
    const done = h.delivery.handleFrame(frame([msg("m1"), msg("m2")]));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.events).toEqual([]);
    release();
    await done;
    expect(h.events).toEqual(["notify m1", "notify m2", "ack m1,m2"]);
  });

  it("drops duplicates across frames but acknowledges them again", async () => {
    const h = harness();
    await h.delivery.handleFrame(frame([msg("m1")]));
    await h.delivery.handleFrame(frame([msg("m1"), msg("m2")]));
    expect(h.notified.map((n) => n.params.meta.message_id)).toEqual(["m1", "m2"]);
    expect(h.events.at(-1)).toBe("ack m1,m2");
    expect(h.delivery.stats().duplicatesDropped).toBe(1);
  });

  it("does not ack live-only frames or messages it failed to write", async () => {
    const h = harness();
    await h.delivery.handleFrame(frame([msg("live")], false));
    h.failNext();
    await h.delivery.handleFrame(frame([msg("m9")]));
    expect(h.events).toEqual(["notify live"]);
  });

  it("keeps frame order even when frames arrive while one is being written", async () => {
    const h = harness();
    const release = h.hold();
    const first = h.delivery.handleFrame(frame([msg("a")]));
    const second = h.delivery.handleFrame(frame([msg("b")]));
    release();
    await Promise.all([first, second]);
    expect(h.events).toEqual(["notify a", "ack a", "notify b", "ack b"]);
  });

  it("in poll mode holds messages unacked until get_messages returns them", async () => {
    const h = harness(false);
    await h.delivery.handleFrame(frame([msg("p1"), msg("p2")]));
    await h.delivery.handleFrame(frame([msg("p1")]));
    expect(h.events).toEqual([]);
    const first = await h.delivery.collect(1, async () => []);
    expect(first.map((i) => [i.message.id, i.alreadyPushed])).toEqual([["p1", false]]);
    expect(h.events).toEqual(["ack p1"]);
    const rest = await h.delivery.collect(10, async () => [msg("h1"), msg("p1")]);
    expect(rest.map((i) => i.message.id)).toEqual(["p2", "h1"]);
    expect(h.events.at(-1)).toBe("ack p2,h1,p1");
  });

  it("lists pushed messages for get_messages, flagged as already pushed, with a bounded inbox", async () => {
    const h = harness(true);
    await h.delivery.handleFrame(frame(["1", "2", "3", "4", "5", "6", "7"].map((i) => msg(`m${i}`))));
    const items = await h.delivery.collect(10, async () => []);
    expect(items.map((i) => i.message.id)).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(items.every((i) => i.alreadyPushed)).toBe(true);
  });

  it("hands the first reply to a waiter, whether it arrives before or after the wait starts", async () => {
    const h = harness();
    const waiting = h.delivery.waitForReply("q1", 1_000);
    await h.delivery.handleFrame(frame([msg("r1", { replyTo: "q1" }), msg("r2", { replyTo: "q1" })]));
    expect((await waiting)?.id).toBe("r1");
    expect((await h.delivery.waitForReply("q1", 10))?.id).toBe("r1");
    expect(await h.delivery.waitForReply("never", 20)).toBeNull();
    const abort = new AbortController();
    const aborted = h.delivery.waitForReply("q2", 10_000, abort.signal);
    abort.abort();
    expect(await aborted).toBeNull();
  });
});

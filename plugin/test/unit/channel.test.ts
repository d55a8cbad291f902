import type { Message } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { CHANNEL_METHOD, channelNotification } from "../../src/channel.js";

const message = (over: Partial<Message> = {}): Message => ({
  id: "0197a000-0000-7000-8000-000000000001",
  from: "alice@box:api/s1",
  to: "bob@box:web/s2",
  type: "task",
  content: "please run the tests",
  timestamp: "2025-01-01T00:00:00.000Z",
  metadata: { priority: "high" },
  ...over,
});

describe("channelNotification", () => {
  it("carries the body as content and exactly the identifier meta keys of a direct message", () => {
    const n = channelNotification(message());
    expect(n.method).toBe(CHANNEL_METHOD);
    expect(n.method).toBe("notifications/claude/channel");
    expect(n.params.content).toBe("please run the tests");
    expect(n.params.meta).toEqual({
      source: "cc2cc",
      from: "alice@box:api/s1",
      type: "task",
      message_id: "0197a000-0000-7000-8000-000000000001",
    });
  });

  it("adds reply_to only for replies and topic only for topic messages", () => {
    expect(Object.keys(channelNotification(message({ replyTo: "m0" })).params.meta).sort()).toEqual(
      ["from", "message_id", "reply_to", "source", "type"].sort(),
    );
    const topical = channelNotification(message({ topic: "builds", to: "topic:builds" })).params.meta;
    expect(topical.topic).toBe("builds");
    expect("reply_to" in topical).toBe(false);
  });

  it("uses only identifier keys and string values (Claude Code drops anything else)", () => {
    const { meta } = channelNotification(message({ replyTo: "m0", topic: "t" })).params;
    for (const [key, value] of Object.entries(meta)) {
      expect(key).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(typeof value).toBe("string");
    }
  });
});

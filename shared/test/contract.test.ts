import { describe, expect, it } from "vitest";
import {
  addressOf,
  Cc2ccError,
  ContentSchema,
  CreateScheduleBodySchema,
  isReservedInstanceId,
  LIMITS,
  MessageSchema,
  MetadataSchema,
  PLUGIN_REQUEST_SCHEMAS,
  PluginAuthSchema,
  parseAddress,
  parseInstanceId,
  parseOrThrow,
  ScheduleIdSchema,
  SendMessageRequestSchema,
  schedulerIdentity,
  UpdateScheduleBodySchema,
  utf8Length,
} from "../src/index.js";

describe("addresses", () => {
  it("parses every kind of `to`", () => {
    expect(parseAddress("alice@dev1:app/7f3a")).toEqual({
      kind: "instance",
      instanceId: "alice@dev1:app/7f3a",
    });
    expect(parseAddress("alice@dev1:app")).toEqual({ kind: "partial", prefix: "alice@dev1:app" });
    expect(parseAddress("role:reviewer")).toEqual({ kind: "role", role: "reviewer" });
    expect(parseAddress("topic:deploys")).toEqual({ kind: "topic", topic: "deploys" });
    expect(parseAddress("broadcast")).toEqual({ kind: "broadcast" });
  });

  it("rejects malformed addresses", () => {
    for (const bad of [
      "",
      "alice",
      "alice@dev1",
      "role:",
      "topic:-x",
      "a b@h:p/s",
      "alice@dev1:app/s/t",
      "x".repeat(400),
    ]) {
      expect(parseAddress(bad), bad).toBeNull();
    }
  });

  it("splits an instance id and keeps user@host:project across sessions", () => {
    expect(parseInstanceId("bob@dev2:myapp/def456")).toEqual({
      username: "bob",
      host: "dev2",
      project: "myapp",
      session: "def456",
    });
    expect(addressOf("bob@dev2:myapp/def456")).toBe("bob@dev2:myapp");
    expect(isReservedInstanceId("operator@hub:cc2cc/r1")).toBe(true);
    expect(isReservedInstanceId("bob@dev2:myapp/def456")).toBe(false);
  });
});

describe("schemas", () => {
  it("names the offending field in VALIDATION errors", () => {
    try {
      parseOrThrow(SendMessageRequestSchema, { to: "nobody", type: "task", content: "x" });
      throw new Error("unreachable");
    } catch (err) {
      expect(err).toBeInstanceOf(Cc2ccError);
      expect((err as Cc2ccError).code).toBe("VALIDATION");
      expect((err as Cc2ccError).field).toBe("to");
    }
    try {
      parseOrThrow(
        PluginAuthSchema,
        { key: "k", protocolVersion: 1, instanceId: "a@b:c/d", secret: "short" },
        "auth",
      );
      throw new Error("unreachable");
    } catch (err) {
      expect((err as Cc2ccError).field).toBe("auth.secret");
    }
  });

  it("bounds content in UTF-8 bytes, not characters", () => {
    expect(utf8Length("héllo")).toBe(6);
    expect(utf8Length("😀")).toBe(4);
    expect(ContentSchema.safeParse("").success).toBe(false);
    expect(ContentSchema.safeParse("é".repeat(LIMITS.contentMaxBytes / 2)).success).toBe(true);
    expect(ContentSchema.safeParse("é".repeat(LIMITS.contentMaxBytes / 2 + 1)).success).toBe(false);
  });

  it("keeps metadata flat and small", () => {
    expect(MetadataSchema.safeParse({ ticket: "T-1", n: 2, urgent: true, none: null }).success).toBe(true);
    expect(MetadataSchema.safeParse({ nested: { a: 1 } }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(MetadataSchema.safeParse(many).success).toBe(false);
    expect(MetadataSchema.safeParse({ big: "x".repeat(5000) }).success).toBe(false);
  });

  it("accepts a full envelope and every request event has a schema", () => {
    const msg = {
      id: "0190b7d2-0000-7000-8000-000000000000",
      from: "alice@dev1:app/s1",
      to: "role:reviewer",
      type: "task",
      content: "review PR 12",
      timestamp: new Date().toISOString(),
      replyTo: "0190b7d2-0000-7000-8000-000000000001",
      metadata: { pr: 12 },
    };
    expect(MessageSchema.parse(msg)).toEqual(msg);
    expect(Object.keys(PLUGIN_REQUEST_SCHEMAS).sort()).toEqual(
      [
        "ack",
        "broadcast",
        "get_messages",
        "list_instances",
        "list_topics",
        "message_status",
        "ping",
        "publish_topic",
        "send_message",
        "set_role",
        "subscribe_topic",
        "unsubscribe_topic",
        "whoami",
        "create_schedule",
        "list_schedules",
        "get_schedule",
        "update_schedule",
        "delete_schedule",
      ].sort(),
    );
  });
});

describe("schedule schemas", () => {
  it("takes the create_schedule parameters and refuses bad ids and extra-long names", () => {
    const body = {
      name: "standup",
      expression: "0 9 * * 1-5",
      target: "role:lead",
      messageType: "task",
      content: "post your plan",
      maxFireCount: 10,
      expiresAt: "2030-01-01T00:00:00Z",
    };
    expect(CreateScheduleBodySchema.parse(body)).toEqual(body);
    expect(CreateScheduleBodySchema.safeParse({ ...body, target: "nobody" }).success).toBe(false);
    expect(CreateScheduleBodySchema.safeParse({ ...body, name: "x".repeat(101) }).success).toBe(false);
    expect(CreateScheduleBodySchema.safeParse({ ...body, maxFireCount: 0 }).success).toBe(false);
    expect(ScheduleIdSchema.safeParse(`sch_${"0".repeat(32)}`).success).toBe(true);
    expect(ScheduleIdSchema.safeParse("sch_1").success).toBe(false);
    expect(schedulerIdentity(`sch_${"0".repeat(32)}`)).toBe(`scheduler@hub:cc2cc/sch_${"0".repeat(32)}`);
    expect(UpdateScheduleBodySchema.parse({ maxFireCount: null, enabled: false })).toEqual({
      maxFireCount: null,
      enabled: false,
    });
  });
});

import { describe, expect, it } from "vitest";
import {
  createBody,
  draftOf,
  emptyDraft,
  isoToLocalInput,
  updateBody,
} from "../../src/composables/use-schedule-draft";
import { schedule } from "./schedules-fixtures";

const base = {
  ...emptyDraft(),
  name: " stand-up ",
  expression: " 0 9 * * 1-5 ",
  target: "role:team",
  content: "post your stand-up",
};

describe("schedule form → request bodies", () => {
  it("leaves empty optional fields out and sends persistent only for topic targets", () => {
    expect(createBody({ ...base, persistent: true })).toEqual({
      name: "stand-up",
      expression: "0 9 * * 1-5",
      target: "role:team",
      messageType: "task",
      content: "post your stand-up",
      missedPolicy: "fire_once",
      enabled: true,
    });
    expect(createBody({ ...base, target: "topic:builds", persistent: true }).persistent).toBe(true);
  });

  it("parses metadata, fire limit, zone and expiry, naming the field it cannot read", () => {
    const body = createBody({
      ...base,
      metadata: '{"team":"api","n":2}',
      maxFireCount: "10",
      timezone: "Europe/Berlin",
      expiresAt: "2030-06-01T18:30",
    });
    expect(body).toMatchObject({
      metadata: { team: "api", n: 2 },
      maxFireCount: 10,
      timezone: "Europe/Berlin",
    });
    // datetime-local is the browser's local time; the body carries the same instant in ISO.
    expect(isoToLocalInput(body.expiresAt as string)).toBe("2030-06-01T18:30");
    expect(() => createBody({ ...base, metadata: "team=api" })).toThrow(
      expect.objectContaining({ field: "metadata" }),
    );
    expect(() => createBody({ ...base, metadata: "[1]" })).toThrow(
      expect.objectContaining({ field: "metadata" }),
    );
    expect(() => createBody({ ...base, maxFireCount: "2.5" })).toThrow(
      expect.objectContaining({ code: "VALIDATION", field: "maxFireCount" }),
    );
  });

  it("edits send only what changed; an emptied optional field is cleared with null", () => {
    const s = schedule({
      expression: "every 90m",
      timezone: "Europe/Berlin",
      metadata: { team: "api" },
      maxFireCount: 5,
      expiresAt: "2030-06-01T18:30:00.000Z",
    });
    const d = draftOf(s);
    expect(updateBody(d, s)).toEqual({});
    expect(updateBody({ ...d, content: "new text", enabled: false }, s)).toEqual({
      content: "new text",
      enabled: false,
    });
    expect(updateBody({ ...d, metadata: "", maxFireCount: "", expiresAt: "" }, s)).toEqual({
      metadata: null,
      maxFireCount: null,
      expiresAt: null,
    });
    // An emptied zone means "the hub's": the resolved one stays, nothing is sent.
    expect(updateBody({ ...d, timezone: "" }, s)).toEqual({});
    expect(updateBody({ ...d, timezone: "UTC", expression: "every 2d at 09:00" }, s)).toEqual({
      timezone: "UTC",
      expression: "every 2d at 09:00",
    });
  });
});

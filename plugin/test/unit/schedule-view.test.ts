import { Cc2ccError, type Schedule } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { definedOnly } from "../../src/tools/schedule-fields.js";
import { fireLine, runScheduleTool, scheduleLine, whenText } from "../../src/tools/schedule-view.js";

const now = Date.parse("2030-03-01T08:00:00Z");
const schedule: Schedule = {
  id: `sch_${"a".repeat(32)}`,
  name: "stand-up",
  expression: "0 9 * * 1-5",
  timezone: "Europe/Berlin",
  kind: "cron",
  description: "at 09:00 on Monday to Friday",
  target: "role:team",
  messageType: "task",
  content: "post your stand-up",
  missedPolicy: "fire_once",
  enabled: true,
  state: "active",
  createdBy: "alice@box:api/s1",
  createdAt: "2030-02-01T00:00:00Z",
  updatedAt: "2030-02-01T00:00:00Z",
  fireCount: 3,
  maxFireCount: 10,
  nextFireAt: "2030-03-01T08:00:00Z",
};
const text = (r: { content: Array<{ type: string; text?: string }> }) =>
  r.content.map((c) => c.text ?? "").join("");

describe("schedule views for a model", () => {
  it("reads a fire time in the schedule's zone with how far away it is", () => {
    expect(whenText("2030-03-01T11:30:00Z", "Europe/Berlin", now)).toBe(
      "2030-03-01 12:30 Europe/Berlin (in 3 h 30 min)",
    );
    expect(whenText("2030-03-04T08:00:00Z", "UTC", now)).toBe("2030-03-04 08:00 UTC (in 3 d 0 h)");
    expect(whenText("2030-03-01T07:50:00Z", "UTC", now)).toBe("2030-03-01 07:50 UTC (10 min ago)");
    // A zone Intl does not know falls back to the ISO string instead of throwing.
    expect(whenText("2030-03-01T08:00:30Z", "Mars/Olympus", now)).toBe(
      "2030-03-01T08:00:30Z Mars/Olympus (in 30 s)",
    );
  });

  it("summarises a schedule on one line: what, to whom, state, next fire, count", () => {
    expect(scheduleLine({ ...schedule, nextFireAt: "2030-03-01T09:00:00Z" }, now)).toBe(
      `${schedule.id} "stand-up": at 09:00 on Monday to Friday [0 9 * * 1-5] → role:team (task); ` +
        "active, next 2030-03-01 10:00 Europe/Berlin (in 1 h 0 min), fired 3 of at most 10 time(s)",
    );
    expect(scheduleLine({ ...schedule, state: "paused", nextFireAt: undefined }, now)).toContain(
      "paused, no next fire",
    );
  });

  it("describes a refused fire with its code", () => {
    expect(
      fireLine({
        scheduleId: schedule.id,
        plannedAt: "2030-03-01T08:00:00Z",
        firedAt: "2030-03-01T08:00:01Z",
        outcome: "refused",
        trigger: "schedule",
        covers: 1,
        error: { code: "UNKNOWN_RECIPIENT", message: "nobody holds role:team" },
        replica: "hub-a",
      }),
    ).toBe(
      "2030-03-01T08:00:01Z schedule fire planned 2030-03-01T08:00:00Z: refused: UNKNOWN_RECIPIENT nobody holds role:team",
    );
  });

  it("keeps null (clears a field) and drops undefined (leaves it)", () => {
    expect(definedOnly({ scheduleId: "x", expiresAt: null, name: undefined })).toEqual({
      scheduleId: "x",
      expiresAt: null,
    });
  });

  it("explains FORBIDDEN and NOT_FOUND in schedule terms, other codes as every tool does", async () => {
    const forbidden = await runScheduleTool(async () => {
      throw new Cc2ccError("FORBIDDEN", "schedule created by bob@box:api");
    });
    expect(forbidden.isError).toBe(true);
    expect(text(forbidden)).toMatch(
      /^FORBIDDEN: schedule created by bob@box:api\nOnly sessions of the address/,
    );
    expect(forbidden.structuredContent).toMatchObject({ error: { code: "FORBIDDEN", hint: /createdBy/ } });
    const missing = await runScheduleTool(async () => {
      throw new Cc2ccError("NOT_FOUND", "no such schedule");
    });
    expect(text(missing)).toContain("list_schedules");
    const invalid = await runScheduleTool(async () => {
      throw new Cc2ccError("VALIDATION", "accepted: cron, every, in, at", { field: "expression" });
    });
    expect(invalid.structuredContent).toMatchObject({
      error: { code: "VALIDATION", field: "expression", hint: "Fix expression and call the tool again." },
    });
  });
});

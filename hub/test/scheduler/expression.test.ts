import { Cc2ccError } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import {
  ACCEPTED_FORMS,
  checkTimeZone,
  countFires,
  describe as describeExpr,
  nextFires,
  parseExpression,
  publicKind,
} from "../../src/scheduler/expression.js";

// Every test passes its instants in: the functions under test read no clock.
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const at = (s: string) => Date.parse(s);
const fires = (expr: string, zone: string, anchor: string, n: number, after = anchor) =>
  iso(nextFires(parseExpression(expr), zone, at(anchor), at(after), n));

function refusal(expr: string): Cc2ccError {
  try {
    parseExpression(expr);
  } catch (err) {
    if (err instanceof Cc2ccError) return err;
    throw err;
  }
  throw new Error(`"${expr}" was accepted`);
}

describe("cron in a time zone", () => {
  it("02:30 daily on the Berlin spring-forward day fires once, at 03:00 after the gap", () => {
    expect(fires("30 2 * * *", "Europe/Berlin", "2025-03-29T12:00:00Z", 3)).toEqual([
      "2025-03-30T01:00:00.000Z", // 03:00 CEST: 02:30 does not exist that day
      "2025-03-31T00:30:00.000Z", // 02:30 CEST
      "2025-04-01T00:30:00.000Z",
    ]);
  });

  it("02:30 daily on the New York spring-forward day fires once after the gap", () => {
    expect(fires("30 2 * * *", "America/New_York", "2025-03-08T12:00:00Z", 2)).toEqual([
      "2025-03-09T07:00:00.000Z", // 03:00 EDT
      "2025-03-10T06:30:00.000Z", // 02:30 EDT
    ]);
  });

  it("01:30 on the New York fall-back day fires once, at the first 01:30", () => {
    expect(fires("30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z", 2)).toEqual([
      "2025-11-02T05:30:00.000Z", // 01:30 EDT; the 01:30 EST an hour later does not fire
      "2025-11-03T06:30:00.000Z",
    ]);
  });

  it("02:30 on the Berlin fall-back day fires once", () => {
    expect(fires("30 2 * * *", "Europe/Berlin", "2025-10-25T12:00:00Z", 2)).toEqual([
      "2025-10-26T00:30:00.000Z", // 02:30 CEST, not again at 02:30 CET
      "2025-10-27T01:30:00.000Z",
    ]);
  });

  it("day 31 skips 30-day months; Feb 29 waits for a leap year", () => {
    expect(fires("0 9 31 * *", "UTC", "2025-01-01T00:00:00Z", 4)).toEqual([
      "2025-01-31T09:00:00.000Z",
      "2025-03-31T09:00:00.000Z",
      "2025-05-31T09:00:00.000Z",
      "2025-07-31T09:00:00.000Z",
    ]);
    expect(fires("0 9 29 2 *", "UTC", "2025-01-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T09:00:00.000Z",
      "2032-02-29T09:00:00.000Z",
    ]);
  });

  it("day-of-month and day-of-week together mean either (Vixie cron)", () => {
    expect(fires("0 9 1 * 1", "UTC", "2025-01-01T00:00:00Z", 3)).toEqual([
      "2025-01-01T09:00:00.000Z", // the 1st (a Wednesday)
      "2025-01-06T09:00:00.000Z", // a Monday
      "2025-01-13T09:00:00.000Z",
    ]);
  });

  it("is read in the zone and never fires at or before its anchor", () => {
    expect(fires("0 9 * * 1-5", "Europe/Berlin", "2025-06-06T07:00:00Z", 2)).toEqual([
      "2025-06-09T07:00:00.000Z", // Friday 09:00 CEST is the anchor itself: next is Monday
      "2025-06-10T07:00:00.000Z",
    ]);
  });
});

describe("intervals", () => {
  it("every 90m is exactly 90 minutes from the anchor", () => {
    expect(fires("every 90m", "UTC", "2025-01-01T00:10:00Z", 3)).toEqual([
      "2025-01-01T01:40:00.000Z",
      "2025-01-01T03:10:00.000Z",
      "2025-01-01T04:40:00.000Z",
    ]);
  });

  it("every 2d is exactly 48 h, also across a DST change", () => {
    const t = nextFires(
      parseExpression("every 2d"),
      "Europe/Berlin",
      at("2025-03-29T10:00:00Z"),
      at("2025-03-29T10:00:00Z"),
      3,
    );
    expect(t.map((x, i) => x - (i === 0 ? at("2025-03-29T10:00:00Z") : t[i - 1]!))).toEqual([
      48 * 3_600_000,
      48 * 3_600_000,
      48 * 3_600_000,
    ]);
  });

  it("continues on the anchor's grid from any later instant", () => {
    expect(fires("every 1w", "UTC", "2025-01-01T12:00:00Z", 2, "2025-01-20T00:00:00Z")).toEqual([
      "2025-01-22T12:00:00.000Z",
      "2025-01-29T12:00:00.000Z",
    ]);
  });

  it("every 2d at 09:00 keeps 09:00 wall time across the Berlin DST change", () => {
    expect(fires("every 2d at 09:00", "Europe/Berlin", "2025-03-27T10:00:00Z", 3)).toEqual([
      "2025-03-29T08:00:00.000Z", // 09:00 CET (27th's 09:00 had passed at the anchor)
      "2025-03-31T07:00:00.000Z", // 09:00 CEST: 47 h later, not 48
      "2025-04-02T07:00:00.000Z",
    ]);
  });

  it("every 1d at 08:00 fires today when 08:00 is still ahead", () => {
    expect(fires("every 1d at 08:00", "UTC", "2025-01-01T07:00:00Z", 2)).toEqual([
      "2025-01-01T08:00:00.000Z",
      "2025-01-02T08:00:00.000Z",
    ]);
  });

  it("every 1d at 02:30 follows the cron rules at DST edges", () => {
    expect(fires("every 1d at 02:30", "Europe/Berlin", "2025-03-29T12:00:00Z", 2)).toEqual([
      "2025-03-30T01:00:00.000Z",
      "2025-03-31T00:30:00.000Z",
    ]);
    expect(fires("every 1d at 01:30", "America/New_York", "2025-11-01T12:00:00Z", 2)).toEqual([
      "2025-11-02T05:30:00.000Z",
      "2025-11-03T06:30:00.000Z",
    ]);
  });

  it("every 2w at 09:00 steps 14 calendar days from the anchor's weekday", () => {
    const anchor = "2025-01-07T10:00:00Z"; // a Tuesday
    expect(fires("every 2w at 09:00", "UTC", anchor, 2)).toEqual([
      "2025-01-21T09:00:00.000Z",
      "2025-02-04T09:00:00.000Z",
    ]);
    expect(describeExpr(parseExpression("every 2w at 09:00"), "UTC", at(anchor))).toBe(
      "every 2 weeks on Tuesday at 09:00 (UTC)",
    );
  });
});

describe("one shots", () => {
  it("in 10m fires once, ten minutes after the anchor", () => {
    expect(fires("in 10m", "UTC", "2025-01-01T00:00:00Z", 3)).toEqual(["2025-01-01T00:10:00.000Z"]);
    expect(fires("in 10m", "UTC", "2025-01-01T00:00:00Z", 3, "2025-01-01T00:10:00Z")).toEqual([]);
  });

  it("at an instant fires once at it, whatever the offset it was written with", () => {
    expect(fires("at 2025-01-01T10:00:00+02:00", "UTC", "2025-01-01T00:00:00Z", 2)).toEqual([
      "2025-01-01T08:00:00.000Z",
    ]);
    expect(publicKind(parseExpression("at 2025-01-01T10:00:00Z"))).toBe("once");
  });
});

describe("counting missed fires", () => {
  it("counts the planned fires in a window, cron and interval", () => {
    const every = parseExpression("every 1m");
    const anchor = at("2025-01-01T00:00:00Z");
    expect(countFires(every, "UTC", anchor, at("2025-01-01T00:01:00Z"), at("2025-01-01T00:05:30Z"))).toBe(5);
    const cron = parseExpression("*/15 * * * *");
    expect(countFires(cron, "UTC", anchor, at("2025-01-01T00:15:00Z"), at("2025-01-01T02:00:00Z"))).toBe(7);
  });
});

describe("refusals", () => {
  it.each([
    "every 30s",
    "every 0m",
    "every 10 seconds",
    "in 0m",
    "every 2x",
    "0 9 * *",
    "*/5 * * * * *",
    "@daily",
    "0 25 * * *",
    "0 0 30 2 *",
    "every 1d at 24:00",
    "at tomorrow",
    "at 2025-01-01T10:00:00",
    "every 999999999w",
  ])("%s is refused with VALIDATION naming the accepted forms", (expr) => {
    const err = refusal(expr);
    expect(err.code).toBe("VALIDATION");
    expect(err.field).toBe("expression");
    expect(err.message).toContain(ACCEPTED_FORMS);
  });

  it("says why for sub-minute intervals", () => {
    expect(refusal("every 30s").message).toMatch(/minimum interval of one minute/);
  });

  it("checks time zones against Intl", () => {
    expect(checkTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(() => checkTimeZone("Mars/Base")).toThrow(/IANA time zone/);
  });
});

describe("describe", () => {
  it("reads cron and intervals in plain English", () => {
    const anchor = at("2025-01-01T00:00:00Z");
    expect(describeExpr(parseExpression("0 9 * * 1-5"), "Europe/Berlin", anchor)).toBe(
      "At 09:00, Monday through Friday (Europe/Berlin)",
    );
    expect(describeExpr(parseExpression("every 2d"), "UTC", anchor)).toMatch(
      /^every 2 days \(exactly 48 h apart\)/,
    );
    expect(describeExpr(parseExpression("every 2d at 09:00"), "UTC", anchor)).toBe(
      "every 2 days at 09:00 (UTC)",
    );
  });
});

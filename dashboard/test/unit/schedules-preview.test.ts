import type { SchedulePreview } from "@cc2cc/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPreview, PREVIEW_COUNT, zoneTime } from "../../src/composables/use-schedule-preview";
import { ApiError } from "../../src/lib/api";
import { fakeApi } from "./schedules-fixtures";

const answer = (expression: string): SchedulePreview => ({
  kind: "interval",
  description: `read ${expression}`,
  timezone: "UTC",
  nextFireTimes: ["2030-01-01T01:30:00.000Z"],
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the form's preview of the next fire times", () => {
  it("asks the hub once per pause in typing, for five fire times in the given zone", async () => {
    const api = fakeApi(({ body }) => answer((body as { expression: string }).expression));
    const p = createPreview(api, 300);
    p.request("e", "");
    p.request("every", "");
    p.request("every 90m ", " Europe/Berlin ");
    expect(p.pending.value).toBe(true);
    await vi.advanceTimersByTimeAsync(299);
    expect(api.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.calls).toEqual([
      {
        method: "POST",
        path: "/schedules/preview",
        body: { expression: "every 90m", count: PREVIEW_COUNT, timezone: "Europe/Berlin" },
      },
    ]);
    expect(p.preview.value?.description).toBe("read every 90m");
    expect(p.pending.value).toBe(false);
  });

  it("never lets a slow answer for an older expression replace the newer one", async () => {
    const gates = new Map<string, (v: unknown) => void>();
    const api = fakeApi(({ body }) => {
      const e = (body as { expression: string }).expression;
      return new Promise((r) => gates.set(e, () => r(answer(e))));
    });
    const p = createPreview(api, 10);
    p.request("every 5h", undefined);
    await vi.advanceTimersByTimeAsync(10);
    p.request("every 6h", undefined);
    await vi.advanceTimersByTimeAsync(10);
    gates.get("every 6h")?.(undefined);
    await vi.advanceTimersByTimeAsync(0);
    gates.get("every 5h")?.(undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(p.preview.value?.description).toBe("read every 6h");
  });

  it("shows the hub's refusal with its code, and clears for an empty expression", async () => {
    const api = fakeApi(() => {
      throw new ApiError(
        "VALIDATION",
        "accepted: cron, every <n><m|h|d|w>, in <n>…, at <ISO>",
        400,
        "expression",
      );
    });
    const p = createPreview(api, 10);
    p.request("every 2 fortnights", undefined);
    await vi.advanceTimersByTimeAsync(10);
    expect(p.error.value).toMatchObject({ code: "VALIDATION", field: "expression" });
    expect(p.preview.value).toBeNull();
    p.request("  ", undefined);
    expect(p.error.value).toBeNull();
    expect(p.pending.value).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(api.calls).toHaveLength(1);
  });

  it("stops asking once disposed", async () => {
    const api = fakeApi(() => answer("x"));
    const p = createPreview(api, 10);
    p.request("every 90m", undefined);
    p.dispose();
    await vi.advanceTimersByTimeAsync(50);
    expect(api.calls).toEqual([]);
  });
});

describe("fire times in the schedule's zone", () => {
  it("reads the same instant in Berlin across the spring DST change", () => {
    expect(zoneTime("2030-03-30T08:00:00Z", "Europe/Berlin")).toBe("Sat 2030-03-30 09:00");
    expect(zoneTime("2030-03-31T08:00:00Z", "Europe/Berlin")).toBe("Sun 2030-03-31 10:00");
    expect(zoneTime("2030-03-31T08:00:00Z", "UTC")).toBe("Sun 2030-03-31 08:00");
    expect(zoneTime("2030-03-31T08:00:00Z", "Not/AZone")).toBe("2030-03-31T08:00:00Z");
  });
});

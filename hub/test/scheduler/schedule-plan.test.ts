import { describe, expect, it } from "vitest";
import { decide, planAfter } from "../../src/scheduler/schedule-plan.js";
import type { Claim } from "../../src/scheduler/schedule-store.js";
import { stored } from "./store-contract.js";

// Pure decisions: every instant is passed in, so these are fake-clock tests.
const T0 = Date.parse("2025-01-01T00:00:00Z");
const MIN = 60_000;

function claim(
  over: { planned: number; first: number; n?: number },
  config: Parameters<typeof stored>[1] = {},
): Claim {
  const s = stored(
    { next: over.planned, n: over.n ?? 0 },
    { expression: "every 1m", anchorMs: T0, ...config },
  );
  return { id: s.config.id, token: "t", plannedMs: over.planned, firstClaimMs: over.first, attempt: 1, ...s };
}

describe("decide", () => {
  it("fires on time and plans the next fire after the planned one", () => {
    expect(decide(claim({ planned: T0 + MIN, first: T0 + MIN + 300 }), 10_000)).toEqual({
      action: "fire",
      trigger: "schedule",
      covers: 1,
      plan: { state: "active", nextMs: T0 + 2 * MIN },
    });
  });

  it("a re-claim decides like the first claim, whatever the time now", () => {
    // first claim on time; the holder died; the retry comes a lease later but is not "missed"
    expect(decide(claim({ planned: T0 + MIN, first: T0 + MIN + 100 }), 10_000).action).toBe("fire");
  });

  it("missed fires: fire_once covers them all in one recovery fire; skip records them", () => {
    const late = { planned: T0 + MIN, first: T0 + 10 * MIN + 30_000 };
    expect(decide(claim(late), 10_000)).toEqual({
      action: "fire",
      trigger: "recovery",
      covers: 10,
      plan: { state: "active", nextMs: T0 + 11 * MIN },
    });
    expect(decide(claim(late, { missedPolicy: "skip" }), 10_000)).toEqual({
      action: "skip",
      covers: 10,
      plan: { state: "active", nextMs: T0 + 11 * MIN },
    });
  });

  it("missed fires stop counting at the expiry", () => {
    const late = { planned: T0 + MIN, first: T0 + 10 * MIN + 30_000 };
    const d = decide(claim(late, { expiresAt: new Date(T0 + 4 * MIN + 1).toISOString() }), 10_000);
    expect(d).toMatchObject({ action: "fire", trigger: "recovery", covers: 4, plan: { state: "expired" } });
  });

  it("checks expiry and the fire count before firing", () => {
    expect(
      decide(
        claim({ planned: T0 + MIN, first: T0 + MIN }, { expiresAt: new Date(T0 + MIN).toISOString() }),
        10_000,
      ),
    ).toEqual({
      action: "drop",
      plan: { state: "expired" },
    });
    expect(decide(claim({ planned: T0 + MIN, first: T0 + MIN, n: 3 }, { maxFireCount: 3 }), 10_000)).toEqual({
      action: "drop",
      plan: { state: "completed" },
    });
    expect(
      decide(claim({ planned: T0 + MIN, first: T0 + MIN, n: 2 }, { maxFireCount: 3 }), 10_000).plan,
    ).toEqual({
      state: "completed",
    });
  });
});

describe("planAfter", () => {
  it("paused, expired, completed one-shots, and the next fire", () => {
    const s = stored({}, { expression: "every 1m", anchorMs: T0 });
    expect(planAfter({ ...s.config, enabled: false }, 0, T0)).toEqual({ state: "paused" });
    expect(planAfter({ ...s.config, expiresAt: new Date(T0).toISOString() }, 0, T0)).toEqual({
      state: "expired",
    });
    expect(planAfter({ ...s.config, expression: "in 5m" }, 1, T0 + 5 * MIN)).toEqual({ state: "completed" });
    expect(planAfter(s.config, 0, T0 + 90_000)).toEqual({ state: "active", nextMs: T0 + 2 * MIN });
  });
});

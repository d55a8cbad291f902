import { describe, expect, it } from "vitest";
import { backoffDelay, RECONNECT_BACKOFF } from "../../src/backoff.js";

const { baseMs, maxMs, jitter } = RECONNECT_BACKOFF;

describe("backoffDelay", () => {
  it("doubles from the base without jitter and stops at the cap", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 10, 100].map((a) => backoffDelay(a, RECONNECT_BACKOFF, mid))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it("stays within ±jitter of the nominal delay and never above the cap", () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const nominal = Math.min(maxMs, baseMs * 2 ** attempt);
      for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
        const d = backoffDelay(attempt, RECONNECT_BACKOFF, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - jitter)));
        expect(d).toBeLessThanOrEqual(Math.min(maxMs, Math.ceil(nominal * (1 + jitter))));
      }
    }
  });

  it("spreads retries so many plugins do not reconnect in lockstep", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(2)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it("treats negative and fractional attempts as sane values", () => {
    expect(backoffDelay(-3, RECONNECT_BACKOFF, () => 0.5)).toBe(baseMs);
    expect(backoffDelay(1.7, RECONNECT_BACKOFF, () => 0.5)).toBe(baseMs * 2);
  });
});

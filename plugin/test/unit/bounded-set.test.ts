import { describe, expect, it } from "vitest";
import { BoundedSet } from "../../src/bounded-set.js";

describe("BoundedSet", () => {
  it("never holds more than its capacity and forgets the oldest first", () => {
    const set = new BoundedSet(3);
    for (const k of ["a", "b", "c", "d"]) set.add(k);
    expect(set.size).toBe(3);
    expect(set.has("a")).toBe(false);
    expect(["b", "c", "d"].every((k) => set.has(k))).toBe(true);
  });

  it("refreshes a re-added key so recent duplicates stay remembered", () => {
    const set = new BoundedSet(2);
    set.add("a");
    set.add("b");
    set.add("a");
    set.add("c");
    expect(set.has("a")).toBe(true);
    expect(set.has("b")).toBe(false);
  });

  it("stays bounded over a long run at the production size", () => {
    const set = new BoundedSet(10_000);
    for (let i = 0; i < 50_000; i++) set.add(`m${i}`);
    expect(set.size).toBe(10_000);
    expect(set.has("m39999")).toBe(false);
    expect(set.has("m40000")).toBe(true);
  });

  it("refuses a nonsensical capacity", () => {
    expect(() => new BoundedSet(0)).toThrow(RangeError);
  });
});

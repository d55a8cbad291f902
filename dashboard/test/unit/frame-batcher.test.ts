import { afterEach, describe, expect, it, vi } from "vitest";
import { createFrameBatcher } from "../../src/lib/frame-batcher";

afterEach(() => {
  vi.useRealTimers();
});

describe("frame batcher", () => {
  it("hands over everything that arrived in one frame at once", () => {
    const frames: Array<() => void> = [];
    const batches: number[][] = [];
    const b = createFrameBatcher<number>((items) => batches.push(items), {
      raf: (cb) => frames.push(cb),
      cancelRaf: () => {},
    });
    for (let i = 0; i < 500; i++) b.push(i);
    expect(frames).toHaveLength(1);
    frames[0]!();
    expect(batches).toEqual([Array.from({ length: 500 }, (_, i) => i)]);
    b.push(1);
    expect(frames).toHaveLength(2);
    b.dispose();
  });

  it("flushes on a timer when no frame comes (background tab) and stays bounded", () => {
    vi.useFakeTimers();
    const batches: number[][] = [];
    const b = createFrameBatcher<number>((items) => batches.push(items), {
      raf: () => 1,
      cancelRaf: () => {},
      maxBuffer: 100,
      fallbackMs: 250,
    });
    for (let i = 0; i < 1000; i++) b.push(i);
    expect(b.pending).toBe(100);
    vi.advanceTimersByTime(250);
    expect(batches).toHaveLength(1);
    expect(batches[0]![0]).toBe(900);
  });

  it("takes arrays whole, in order with single items, and bounds them the same way", () => {
    const frames: Array<() => void> = [];
    const batches: number[][] = [];
    const b = createFrameBatcher<number>((items) => batches.push(items), {
      raf: (cb) => frames.push(cb),
      cancelRaf: () => {},
      maxBuffer: 250,
    });
    b.pushAll([0, 1, 2]);
    b.push(3);
    b.pushAll([]);
    b.pushAll(Array.from({ length: 296 }, (_, i) => i + 4));
    expect(frames).toHaveLength(1);
    expect(b.pending).toBe(250);
    frames[0]!();
    expect(batches).toEqual([Array.from({ length: 250 }, (_, i) => i + 50)]);
    b.dispose();
  });
});

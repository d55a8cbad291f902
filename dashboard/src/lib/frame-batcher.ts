/**
 * Collects items arriving at any rate and hands them over once per animation frame, so 500
 * events a second cost one reactive update per frame instead of 500. A hidden tab gets no
 * animation frames, so a timer flushes too; the buffer is bounded (oldest dropped) either way.
 */
export interface FrameBatcher<T> {
  push(item: T): void;
  /** Several at once, in order (the hub sends its events in arrays). */
  pushAll(items: readonly T[]): void;
  flushNow(): void;
  dispose(): void;
  readonly pending: number;
}

export interface FrameBatcherOptions {
  maxBuffer?: number;
  /** Flush at least this often when frames do not come (background tab). */
  fallbackMs?: number;
  raf?: (cb: () => void) => number;
  cancelRaf?: (id: number) => void;
}

export function createFrameBatcher<T>(
  flush: (items: T[]) => void,
  opts: FrameBatcherOptions = {},
): FrameBatcher<T> {
  const maxBuffer = opts.maxBuffer ?? 20_000;
  const fallbackMs = opts.fallbackMs ?? 250;
  const raf = opts.raf ?? ((cb) => requestAnimationFrame(cb));
  const cancelRaf = opts.cancelRaf ?? ((id) => cancelAnimationFrame(id));
  let buffer: T[] = [];
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const run = () => {
    if (frame !== null) cancelRaf(frame);
    if (timer !== null) clearTimeout(timer);
    frame = null;
    timer = null;
    if (buffer.length === 0) return;
    const items = buffer;
    buffer = [];
    flush(items);
  };

  const arm = () => {
    if (buffer.length > maxBuffer) buffer.splice(0, buffer.length - maxBuffer);
    if (frame === null) frame = raf(run);
    if (timer === null) timer = setTimeout(run, fallbackMs);
  };

  return {
    push(item) {
      buffer.push(item);
      arm();
    },
    pushAll(items) {
      if (items.length === 0) return;
      for (const item of items) buffer.push(item);
      arm();
    },
    flushNow: run,
    dispose() {
      buffer = [];
      run();
    },
    get pending() {
      return buffer.length;
    },
  };
}

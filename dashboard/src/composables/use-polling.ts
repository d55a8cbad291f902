import { onMounted, onUnmounted } from "vue";

/**
 * Runs `fn` now and every `ms` while the component is mounted and the tab is visible; a slow
 * call is never overlapped by the next one.
 */
export function usePolling(fn: () => Promise<unknown>, ms: number | (() => number)): { now(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let running = false;
  const period = () => (typeof ms === "number" ? ms : ms());
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    try {
      if (document.visibilityState !== "hidden") await fn().catch(() => {});
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(tick, period());
    }
  };
  onMounted(() => void tick());
  onUnmounted(() => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  });
  return { now: () => void tick() };
}

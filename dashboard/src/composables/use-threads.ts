import type { ThreadDetail, ThreadPage, ThreadSummary } from "@cc2cc/shared";
import { onUnmounted, type Ref, ref, shallowRef } from "vue";
import type { AppState } from "../app-state";
import { ApiError, enc } from "../lib/api";

const PAGE = 50;
/** New messages refresh the list at most this often. */
const REFRESH_MS = 2000;

/** Threads from the hub's history (not from what this browser saw), paged, kept fresh. */
export function useThreads(app: AppState, selectedRoot: Ref<string | null>) {
  const threads = shallowRef<ThreadSummary[]>([]);
  const next = ref<string | null>(null);
  const detail = shallowRef<ThreadDetail | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);

  async function loadFirst(): Promise<void> {
    loading.value = true;
    try {
      const page = await app.api.get<ThreadPage>("/history/threads", { limit: PAGE });
      // Keep what "load more" fetched beyond the first page.
      const fresh = new Set(page.threads.map((t) => t.rootId));
      const older = threads.value.filter(
        (t) => !fresh.has(t.rootId) && t.lastAt < (page.threads.at(-1)?.lastAt ?? ""),
      );
      threads.value = [...page.threads, ...older];
      if (older.length === 0) next.value = page.next;
      error.value = null;
    } catch (err) {
      error.value = err instanceof ApiError ? err.message : String(err);
    } finally {
      loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (!next.value) return;
    const page = await app.api.get<ThreadPage>("/history/threads", { limit: PAGE, cursor: next.value });
    const have = new Set(threads.value.map((t) => t.rootId));
    threads.value = [...threads.value, ...page.threads.filter((t) => !have.has(t.rootId))];
    next.value = page.next;
  }

  async function loadDetail(): Promise<void> {
    const root = selectedRoot.value;
    if (!root) {
      detail.value = null;
      return;
    }
    try {
      const d = await app.api.get<ThreadDetail>(`/history/threads/${enc(root)}`);
      if (selectedRoot.value === root) detail.value = d;
    } catch (err) {
      if (selectedRoot.value === root) detail.value = null;
      error.value = err instanceof ApiError ? err.message : String(err);
    }
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  const off = app.onEvents((batch) => {
    const sent = batch.filter((e) => e.type === "message:sent");
    if (sent.length === 0 || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      void loadFirst();
      if (selectedRoot.value) void loadDetail();
    }, REFRESH_MS);
  });
  onUnmounted(() => {
    off();
    if (timer !== null) clearTimeout(timer);
  });

  return { threads, next, detail, error, loading, loadFirst, loadMore, loadDetail };
}

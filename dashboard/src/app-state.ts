import type { ErrorBody, HistoryPage, HubEvent } from "@cc2cc/shared";
import { type InjectionKey, inject, type Ref, ref } from "vue";
import { type Connection, createConnection, type SocketFactory } from "./composables/use-connection";
import { createFeed, type Feed } from "./composables/use-feed";
import { createInstances, type Instances } from "./composables/use-instances";
import { createNotices, type Notices } from "./composables/use-notices";
import type { SendDraft } from "./composables/use-send";
import { type Api, ApiError, createApi } from "./lib/api";
import type { KeyStore } from "./lib/session";

export interface AppState {
  api: Api;
  connection: Connection;
  feed: Feed;
  instances: Instances;
  notices: Notices;
  /** The send bar's draft, shared so other views can start a reply in it. */
  draft: Ref<SendDraft>;
  signedIn: Ref<boolean>;
  /** Why the last sign-in or session ended, shown on the sign-in form. */
  signInError: Ref<string | null>;
  signIn(key: string): Promise<boolean>;
  signOut(reason?: string): void;
  /** Events for views that keep their own data (topics, graph); batched per frame. */
  onEvents(fn: (batch: HubEvent[]) => void): () => void;
  loadOlder(): Promise<number>;
  olderCursor: Ref<string | null | undefined>;
}

export const APP: InjectionKey<AppState> = Symbol("cc2cc-app");

export function useApp(): AppState {
  const app = inject(APP);
  if (!app) throw new Error("useApp() outside the app");
  return app;
}

/** How many history entries the feed loads at sign-in and per "load older". */
const HISTORY_PAGE = 1000;

export function refusalText(code: string, message: string): string {
  if (code === "UNAUTHORIZED") return "That key was refused: it is not a valid dashboard key.";
  if (code === "FORBIDDEN") return "That is a plugin key; this hub has a separate dashboard key.";
  if (code === "NETWORK") return "The hub could not be reached. Is it running?";
  return `${code}: ${message}`;
}

export function createAppState(keys: KeyStore, opts: { socketFactory?: SocketFactory } = {}): AppState {
  const signedIn = ref(false);
  const signInError = ref<string | null>(null);
  const olderCursor = ref<string | null | undefined>(undefined);
  const notices = createNotices();
  const draft = ref<SendDraft>({ to: "", type: "task", content: "", persistent: false, replyTo: null });
  const feed = createFeed();
  const api = createApi({
    key: () => keys.get(),
    onUnauthorized: (e) => signOut(refusalText(e.code, e.message)),
  });
  const instances = createInstances(api);
  const connection = createConnection({
    ...(opts.socketFactory ? { factory: opts.socketFactory } : {}),
    onRefused: (e: ErrorBody) => signOut(refusalText(e.code, e.message)),
  });
  connection.onEvents((batch) => {
    feed.append(batch);
    instances.apply(batch);
  });
  // After an outage: what happened meanwhile comes from the history, merged without duplicates.
  connection.onResume(() => {
    const last = feed.items.value.at(-1);
    void loadHistory(last ? { since: String(last.atMs - 1000) } : {}).catch(() => {});
    void instances.refresh().catch(() => {});
  });

  async function loadHistory(query: Record<string, string>): Promise<HistoryPage> {
    const page = await api.get<HistoryPage>("/history", { limit: HISTORY_PAGE, ...query });
    feed.merge(page.entries);
    return page;
  }

  async function signIn(key: string): Promise<boolean> {
    signInError.value = null;
    keys.set(key.trim());
    try {
      // REST first, on a route that needs dashboard powers: a wrong key, or a plugin key where
      // a dashboard key is configured, is named before the socket is opened with it.
      const page = await loadHistory({});
      olderCursor.value = page.next;
      await instances.refresh();
    } catch (err) {
      keys.clear();
      feed.clear();
      signInError.value = err instanceof ApiError ? refusalText(err.code, err.message) : String(err);
      return false;
    }
    signedIn.value = true;
    connection.open(key.trim());
    return true;
  }

  function signOut(reason?: string): void {
    keys.clear();
    connection.close();
    feed.clear();
    olderCursor.value = undefined;
    signedIn.value = false;
    signInError.value = reason ?? null;
  }

  return {
    api,
    connection,
    feed,
    instances,
    notices,
    draft,
    signedIn,
    signInError,
    signIn,
    signOut,
    onEvents: (fn) => connection.onEvents(fn),
    olderCursor,
    async loadOlder() {
      if (!olderCursor.value) return 0;
      const before = feed.items.value.length;
      const page = await loadHistory({ cursor: olderCursor.value });
      olderCursor.value = page.next;
      return feed.items.value.length - before;
    },
  };
}

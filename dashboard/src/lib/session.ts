/**
 * The dashboard key lives in sessionStorage only: it is typed at sign-in, survives a reload of
 * this tab, and is gone when the tab closes. It is never built into the bundle, never put in a
 * URL, and only ever sent as socket.io `auth.key` and `Authorization: Bearer`.
 */
const STORAGE_KEY = "cc2cc.dashboardKey";

export interface KeyStore {
  get(): string | null;
  set(key: string): void;
  clear(): void;
}

export function sessionKeyStore(storage: Storage = window.sessionStorage): KeyStore {
  return {
    get: () => storage.getItem(STORAGE_KEY),
    set: (key) => storage.setItem(STORAGE_KEY, key),
    clear: () => storage.removeItem(STORAGE_KEY),
  };
}

import { createHash, timingSafeEqual } from "node:crypto";

export type Power = "plugin" | "dashboard";

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/**
 * Keys are compared as SHA-256 digests with timingSafeEqual, so neither content nor length
 * leaks through timing; every configured key is checked so the position does not leak either.
 */
export class KeyRing {
  private readonly plugin: Buffer[];
  private readonly dashboard: Buffer[];

  constructor(pluginKeys: readonly string[], dashboardKeys: readonly string[]) {
    this.plugin = pluginKeys.map(digest);
    this.dashboard = dashboardKeys.map(digest);
  }

  private static matches(ring: readonly Buffer[], candidate: Buffer): boolean {
    let found = false;
    for (const k of ring) if (timingSafeEqual(k, candidate)) found = true;
    return found;
  }

  /**
   * The power a key grants, or null. With no dashboard key configured, plugin keys carry
   * dashboard powers too (a single-key LAN setup).
   */
  check(key: unknown): Power | null {
    if (typeof key !== "string" || key.length === 0) return null;
    const d = digest(key);
    if (KeyRing.matches(this.dashboard, d)) return "dashboard";
    if (KeyRing.matches(this.plugin, d)) return this.dashboard.length === 0 ? "dashboard" : "plugin";
    return null;
  }
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

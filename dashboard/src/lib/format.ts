/** Small, pure formatting helpers for a screen read at a glance. */

/** The session part of an id, cut to 4 characters when it is a long (UUID) one. */
export function shortSession(instanceId: string): string {
  const session = instanceId.slice(instanceId.lastIndexOf("/") + 1);
  return session.length > 12 ? session.slice(0, 4) : session;
}

export function shortId(instanceId: string): string {
  // user@host:project/session → user@host:project/abcd (the session is usually a long UUID)
  const slash = instanceId.lastIndexOf("/");
  if (slash === -1) return instanceId;
  return `${instanceId.slice(0, slash)}/${shortSession(instanceId)}`;
}

export function projectOf(instanceId: string): string {
  const colon = instanceId.indexOf(":");
  const slash = instanceId.lastIndexOf("/");
  return colon === -1 ? instanceId : instanceId.slice(colon + 1, slash === -1 ? undefined : slash);
}

export function clockTime(iso: string | number): string {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  if (abs < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((abs % 60_000) / 1000)} s`;
  if (abs < 86_400_000)
    return `${Math.floor(ms / 3_600_000)} h ${Math.floor((abs % 3_600_000) / 60_000)} min`;
  return `${Math.floor(ms / 86_400_000)} d ${Math.floor((abs % 86_400_000) / 3_600_000)} h`;
}

export function ago(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return "–";
  const ms = now - new Date(iso).getTime();
  return ms < 5000 ? "just now" : `${duration(ms)} ago`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(0)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n * 10) / 10);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** A one-line plain-text preview of Markdown content (for lists; the full text is rendered elsewhere). */
export function preview(content: string, max = 140): string {
  const text = content
    .replace(/```[\s\S]*?```/g, " [code] ")
    .replace(/[*_`#>|~]+/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

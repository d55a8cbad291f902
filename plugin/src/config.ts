import { randomUUID } from "node:crypto";
import { hostname, tmpdir, userInfo } from "node:os";
import { basename, join } from "node:path";
import { formatInstanceId, LIMITS, RESERVED_USERNAMES, RoleNameSchema } from "@cc2cc/shared";
import { z } from "zod";

/** Where a value came from, so error messages and `whoami` can say it. */
export type SessionSource = "CC2CC_SESSION_ID" | "CLAUDE_CODE_SESSION_ID" | "generated";

export interface PluginConfig {
  /** Origin the socket.io client dials (`http(s)://host:port`). */
  hubOrigin: string;
  /** socket.io path, `/socket.io` unless the hub URL carries a prefix (an ingress path). */
  hubPath: string;
  /** The URL as configured, for messages. */
  hubUrl: string;
  apiKey: string;
  username: string;
  host: string;
  project: string;
  sessionId: string;
  sessionSource: SessionSource;
  instanceId: string;
  role: string | undefined;
  /** File the SessionStart hook writes the current Claude Code session id to. */
  sessionFile: string;
  /** True when `sessionFile` is the per-process default (removed again on exit). */
  sessionFileIsDefault: boolean;
  /** Push messages as `notifications/claude/channel` (false: hold them for get_messages). */
  push: boolean;
  requestTimeoutMs: number;
  debug: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** Everything config reads from the machine, injectable for tests. */
export interface ConfigEnvironment {
  env: NodeJS.ProcessEnv;
  cwd: string;
  hostname: string;
  username: string;
  ppid: number;
  tmpdir: string;
  uid: string;
  uuid: () => string;
}

export function processEnvironment(): ConfigEnvironment {
  let user = "";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to $USER below.
  }
  return {
    env: process.env,
    cwd: process.cwd(),
    hostname: hostname(),
    username: user,
    ppid: process.ppid,
    tmpdir: tmpdir(),
    uid: currentUid(),
    uuid: randomUUID,
  };
}

/** Replace every character outside the id alphabet, trim separators, cap the length. */
export function sanitizeIdPart(raw: string): string {
  return raw
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, LIMITS.idPartMaxLength)
    .replace(/[-.]+$/g, "");
}

/**
 * The per-process default of the session file: per user (the temp dir may be shared) and per
 * Claude Code process (our parent). The SessionStart hook computes the same path from its
 * ancestors, see claude/hooks/session-start.mjs.
 */
export function defaultSessionFile(tmp: string, uid: string, claudePid: number): string {
  return join(tmp, `cc2cc-${uid}`, "sessions", `${claudePid}.json`);
}

/** The user part of the session directory's name, as the hook computes it too. */
export function currentUid(): string {
  return typeof process.getuid === "function" ? String(process.getuid()) : "user";
}

const boolText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ["1", "0", "true", "false", "yes", "no", "on", "off"].includes(v), {
    message: "must be true or false",
  })
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const positiveMs = z.coerce
  .number({ message: "must be a number of milliseconds" })
  .int("must be a whole number of milliseconds")
  .min(500, "must be at least 500 (ms)")
  .max(300_000, "must be at most 300000 (ms)");

function parseHubUrl(
  raw: string | undefined,
  problems: string[],
): { origin: string; path: string; url: string } {
  const example = "e.g. http://cc2cc.lan or http://10.0.0.5:3100";
  if (raw === undefined || raw.trim() === "") {
    problems.push(`CC2CC_HUB_URL: is required: the hub's address, ${example}`);
    return { origin: "", path: "", url: "" };
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    problems.push(`CC2CC_HUB_URL: "${raw}" is not a URL (${example})`);
    return { origin: "", path: "", url: "" };
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    problems.push(`CC2CC_HUB_URL: must start with http://, https://, ws:// or wss:// (${example})`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "") {
    // Keys travel in the handshake, never in a URL (they would end up in proxy logs).
    problems.push("CC2CC_HUB_URL: must not carry credentials or a query; put the key in CC2CC_API_KEY");
  }
  const protocol = url.protocol === "wss:" ? "https:" : url.protocol === "ws:" ? "http:" : url.protocol;
  const prefix = url.pathname.replace(/\/+$/, "");
  return { origin: `${protocol}//${url.host}`, path: `${prefix}/socket.io`, url: raw.trim() };
}

/** An id part from an explicit setting: sanitized, and an error when nothing usable is left. */
function explicitPart(name: string, raw: string, problems: string[]): string {
  const value = sanitizeIdPart(raw);
  if (value === "") problems.push(`${name}: "${raw}" has no usable characters (allowed: A-Z a-z 0-9 . _ -)`);
  else if (raw.trim().length > LIMITS.idPartMaxLength) {
    problems.push(`${name}: must be at most ${LIMITS.idPartMaxLength} characters`);
  }
  return value;
}

function part(name: string, raw: string | undefined, fallback: string, problems: string[]): string {
  if (raw !== undefined && raw.trim() !== "") return explicitPart(name, raw, problems);
  return sanitizeIdPart(fallback) || name.replace(/^CC2CC_/, "").toLowerCase();
}

/** Parse the environment once. Throws ConfigError listing every bad value. */
export function loadConfig(source: ConfigEnvironment = processEnvironment()): PluginConfig {
  const { env } = source;
  const problems: string[] = [];
  const hub = parseHubUrl(env.CC2CC_HUB_URL, problems);

  const apiKey = (env.CC2CC_API_KEY ?? "").trim();
  if (apiKey === "")
    problems.push("CC2CC_API_KEY: is required: a plugin key the hub accepts (CC2CC_HUB_API_KEY there)");
  else if (apiKey.length > LIMITS.keyMaxLength) {
    problems.push(`CC2CC_API_KEY: must be at most ${LIMITS.keyMaxLength} characters`);
  }

  const username = part("CC2CC_USERNAME", env.CC2CC_USERNAME, env.USER || source.username, problems);
  if ((RESERVED_USERNAMES as readonly string[]).includes(username)) {
    problems.push(`CC2CC_USERNAME: "${username}" is reserved for the hub; choose another name`);
  }
  const host = part("CC2CC_HOST", env.CC2CC_HOST, source.hostname, problems);
  const project = part("CC2CC_PROJECT", env.CC2CC_PROJECT, basename(source.cwd), problems);

  let sessionId: string;
  let sessionSource: SessionSource;
  if (env.CC2CC_SESSION_ID !== undefined && env.CC2CC_SESSION_ID.trim() !== "") {
    sessionId = explicitPart("CC2CC_SESSION_ID", env.CC2CC_SESSION_ID, problems);
    sessionSource = "CC2CC_SESSION_ID";
  } else if (env.CLAUDE_CODE_SESSION_ID && sanitizeIdPart(env.CLAUDE_CODE_SESSION_ID) !== "") {
    sessionId = sanitizeIdPart(env.CLAUDE_CODE_SESSION_ID);
    sessionSource = "CLAUDE_CODE_SESSION_ID";
  } else {
    sessionId = source.uuid();
    sessionSource = "generated";
  }

  let role: string | undefined;
  if (env.CC2CC_ROLE !== undefined && env.CC2CC_ROLE.trim() !== "") {
    const parsed = RoleNameSchema.safeParse(env.CC2CC_ROLE.trim());
    if (parsed.success) role = parsed.data;
    else problems.push(`CC2CC_ROLE: ${parsed.error.issues[0]?.message ?? "invalid role name"}`);
  }

  const explicitFile = env.CC2CC_SESSION_FILE?.trim();
  const sessionFile = explicitFile
    ? explicitFile
    : defaultSessionFile(source.tmpdir, source.uid, source.ppid);

  let push = true;
  if (env.CC2CC_PUSH !== undefined && env.CC2CC_PUSH.trim() !== "") {
    const parsed = boolText.safeParse(env.CC2CC_PUSH);
    if (parsed.success) push = parsed.data;
    else problems.push("CC2CC_PUSH: must be true or false");
  }

  let requestTimeoutMs = 15_000;
  if (env.CC2CC_REQUEST_TIMEOUT !== undefined && env.CC2CC_REQUEST_TIMEOUT.trim() !== "") {
    const parsed = positiveMs.safeParse(env.CC2CC_REQUEST_TIMEOUT);
    if (parsed.success) requestTimeoutMs = parsed.data;
    else problems.push(`CC2CC_REQUEST_TIMEOUT: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    hubOrigin: hub.origin,
    hubPath: hub.path,
    hubUrl: hub.url,
    apiKey,
    username,
    host,
    project,
    sessionId,
    sessionSource,
    instanceId: formatInstanceId({ username, host, project, session: sessionId }),
    role,
    sessionFile,
    sessionFileIsDefault: !explicitFile,
    push,
    requestTimeoutMs,
    debug: env.CC2CC_DEBUG === "1" || env.CC2CC_DEBUG === "true",
  };
}

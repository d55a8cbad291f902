import { hostname } from "node:os";
import { LIMITS } from "@cc2cc/shared";
import ms from "ms";
import { z } from "zod";

/** A duration as `ms` understands it ("30s", "7d") or plain milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const trimmed = raw.trim();
      const value = /^\d+$/.test(trimmed) ? Number(trimmed) : ms(trimmed as ms.StringValue);
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        ctx.addIssue({ code: "custom", message: `"${raw}" is not a duration (use e.g. 500, 30s, 5m, 7d)` });
        return z.NEVER;
      }
      return value;
    });

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: "must be a whole number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const keyList = z
  .string()
  .transform((raw) =>
    raw
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k.length > 0),
  )
  .refine((keys) => keys.every((k) => k.length >= 8 && k.length <= LIMITS.keyMaxLength), {
    message: `each key must be 8-${LIMITS.keyMaxLength} characters`,
  });

const EnvSchema = z.object({
  CC2CC_HUB_PORT: int(3100, 0, 65535),
  CC2CC_HUB_HOST: z.string().min(1).default("0.0.0.0"),
  CC2CC_REDIS_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
      message: "must start with redis:// or rediss://",
    }),
  CC2CC_REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((raw) =>
      (raw ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .refine((list) => list.every((s) => /^[A-Za-z0-9._-]+:\d{1,5}$/.test(s)), {
      message: "must be host:port pairs, comma-separated",
    }),
  CC2CC_REDIS_SENTINEL_MASTER: z.string().optional(),
  CC2CC_REDIS_PASSWORD: z.string().optional(),
  CC2CC_REDIS_SENTINEL_PASSWORD: z.string().optional(),
  CC2CC_REDIS_TLS: z
    .enum(["true", "false", "1", "0", ""], { message: "must be true or false" })
    .optional()
    .transform((v) => v === "true" || v === "1"),
  CC2CC_SOCKET_ADAPTER: z
    .enum(["classic", "sharded"], { message: "must be classic or sharded" })
    .default("classic"),
  CC2CC_HANDOVER: z
    .enum(["true", "false", "1", "0", ""], { message: "must be true or false" })
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
  CC2CC_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,32}$/, "must be 1-32 of A-Z a-z 0-9 . _ : -")
    .default("cc2cc:"),
  CC2CC_HUB_API_KEY: z
    .string({ message: "is required: one or more plugin keys, comma-separated" })
    .pipe(keyList)
    .refine((keys) => keys.length > 0, { message: "is required: one or more plugin keys, comma-separated" }),
  CC2CC_DASHBOARD_API_KEY: z
    .string()
    .optional()
    .transform((v) => v ?? "")
    .pipe(keyList),
  CC2CC_REPLICA_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 of A-Z a-z 0-9 . _ -")
    .default(
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, "-")
        .slice(0, 64) || "hub",
    ),
  CC2CC_QUEUE_MAX: int(1000, 1, 1_000_000),
  CC2CC_QUEUE_TTL: duration("7d"),
  CC2CC_PRESENCE_TTL: duration("30s"),
  CC2CC_HEARTBEAT_INTERVAL: duration("10s"),
  CC2CC_INFLIGHT_WINDOW: int(32, 1, 1000),
  CC2CC_BROADCAST_INTERVAL: duration("5s"),
  CC2CC_TOPIC_EMPTY_TTL: duration("24h"),
  CC2CC_STATUS_TTL: duration("24h"),
  CC2CC_REAPER_INTERVAL: duration("15s"),
  CC2CC_PING_TIMEOUT: duration("5s"),
  CC2CC_MAX_CONTENT_BYTES: int(LIMITS.contentDefaultMaxBytes, 1, LIMITS.contentMaxBytes),
  CC2CC_FRAME_RATE: int(1000, 1, 100_000),
  CC2CC_SHUTDOWN_GRACE: duration("10s"),
  CC2CC_MAX_HOPS: int(20, 1, 10_000),
  CC2CC_PAIR_RATE: int(120, 1, 1_000_000),
  CC2CC_MAX_DELIVERIES: int(10, 1, 1000),
  CC2CC_MESSAGE_TTL: duration("24h"),
  CC2CC_CORS_ORIGINS: z
    .string()
    .default("")
    .transform((raw) =>
      raw
        .split(",")
        .map((o) => o.trim())
        .filter((o) => o.length > 0),
    ),
  CC2CC_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  CC2CC_DASHBOARD_DIR: z
    .string()
    .optional()
    // Empty must mean "no dashboard", never "serve the working directory".
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v)),
  CC2CC_HISTORY_MAX_LEN: int(100_000, 100, 10_000_000),
  CC2CC_HISTORY_MAX_AGE: duration("7d"),
  CC2CC_SCHEDULE_TIMEZONE: z
    .string()
    .default("UTC")
    .refine((tz) => isTimeZone(tz), { message: "must be an IANA time zone (e.g. UTC, Europe/Berlin)" }),
  CC2CC_SCHEDULE_POLL_MS: int(1000, 50, 60_000),
  CC2CC_SCHEDULE_LEASE: duration("30s"),
  CC2CC_SCHEDULE_MISSED_GRACE: duration("60s"),
  CC2CC_SCHEDULE_MAX: int(1000, 1, 1_000_000),
  /** Test only: makes the scheduler hang at a point of a fire. Unset (the default) does nothing. */
  CC2CC_SCHEDULER_FAILPOINT: z.enum(["", "hang-after-claim", "hang-after-send"]).default(""),
});

function isTimeZone(tz: string): boolean {
  // Resolving a zone loads ICU's zone data (≈ 8 MiB of RSS); the default needs none.
  if (tz === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Where the Redis engine connects: a URL, or a Sentinel group that names the master. */
export type RedisTarget =
  | { kind: "url"; url: string; password: string | undefined; tls: boolean }
  | {
      kind: "sentinel";
      sentinels: Array<{ host: string; port: number }>;
      master: string;
      password: string | undefined;
      sentinelPassword: string | undefined;
      tls: boolean;
    };

export interface HubConfig {
  port: number;
  host: string;
  redisUrl: string | undefined;
  /** Undefined: the in-process engine. */
  redis: RedisTarget | undefined;
  redisPrefix: string;
  /** socket.io Redis adapter: classic pub/sub, or sharded pub/sub (Redis 7+). */
  socketAdapter: "classic" | "sharded";
  /**
   * A message for an idle connection held on this replica goes straight to it from the
   * enqueue (no wake-up, no claim). Off only to measure what it saves.
   */
  handover: boolean;
  pluginKeys: string[];
  /** Empty: dashboards use plugin keys, and plugin keys carry dashboard powers. */
  dashboardKeys: string[];
  replica: string;
  queueMax: number;
  queueTtlMs: number;
  presenceTtlMs: number;
  heartbeatIntervalMs: number;
  inflightWindow: number;
  broadcastIntervalMs: number;
  topicEmptyTtlMs: number;
  statusTtlMs: number;
  reaperIntervalMs: number;
  pingTimeoutMs: number;
  maxContentBytes: number;
  frameRate: number;
  shutdownGraceMs: number;
  /** Longest reply chain (replyTo hops) accepted. */
  maxHops: number;
  /** Messages per minute from one sender to one recipient. */
  pairRatePerMinute: number;
  /** Deliveries without an ack before a message is dead-lettered. */
  maxDeliveries: number;
  /** Age at which an undelivered message is dead-lettered. */
  messageTtlMs: number;
  corsOrigins: string[];
  logLevel: string;
  dashboardDir: string | undefined;
  /** The history log keeps at most this many entries ... */
  historyMaxLen: number;
  /** ... and nothing older than this. */
  historyMaxAgeMs: number;
  /** Zone of schedules that name none. */
  scheduleTimezone: string;
  /** How often each replica looks for due schedules. */
  schedulePollMs: number;
  /** How long a claimed fire is held before another replica may take it over. */
  scheduleLeaseMs: number;
  /** A fire claimed later than this after its planned time counts as missed. */
  scheduleMissedGraceMs: number;
  scheduleMax: number;
  /** Test only (CC2CC_SCHEDULER_FAILPOINT); undefined in every real deployment. */
  schedulerFailpoint: "hang-after-claim" | "hang-after-send" | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parse the environment once; every bad value is named in one error. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.CC2CC_HEARTBEAT_INTERVAL >= e.CC2CC_PRESENCE_TTL) {
    problems.push("CC2CC_HEARTBEAT_INTERVAL must be shorter than CC2CC_PRESENCE_TTL");
  }
  const empty = (v: string | undefined) => (v === undefined || v === "" ? undefined : v);
  let redis: RedisTarget | undefined;
  if (e.CC2CC_REDIS_SENTINELS.length > 0) {
    if (e.CC2CC_REDIS_URL !== undefined)
      problems.push("set CC2CC_REDIS_URL or CC2CC_REDIS_SENTINELS, not both");
    if (!empty(e.CC2CC_REDIS_SENTINEL_MASTER)) {
      problems.push("CC2CC_REDIS_SENTINEL_MASTER is required with CC2CC_REDIS_SENTINELS");
    }
    redis = {
      kind: "sentinel",
      sentinels: e.CC2CC_REDIS_SENTINELS.map((s) => {
        const at = s.lastIndexOf(":");
        return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
      }),
      master: e.CC2CC_REDIS_SENTINEL_MASTER ?? "",
      password: empty(e.CC2CC_REDIS_PASSWORD),
      sentinelPassword: empty(e.CC2CC_REDIS_SENTINEL_PASSWORD),
      tls: e.CC2CC_REDIS_TLS,
    };
  } else if (e.CC2CC_REDIS_URL !== undefined) {
    redis = {
      kind: "url",
      url: e.CC2CC_REDIS_URL,
      password: empty(e.CC2CC_REDIS_PASSWORD),
      tls: e.CC2CC_REDIS_TLS || e.CC2CC_REDIS_URL.startsWith("rediss://"),
    };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: e.CC2CC_HUB_PORT,
    host: e.CC2CC_HUB_HOST,
    redisUrl: e.CC2CC_REDIS_URL,
    redis,
    redisPrefix: e.CC2CC_REDIS_PREFIX,
    socketAdapter: e.CC2CC_SOCKET_ADAPTER,
    handover: e.CC2CC_HANDOVER,
    pluginKeys: e.CC2CC_HUB_API_KEY,
    dashboardKeys: e.CC2CC_DASHBOARD_API_KEY,
    replica: e.CC2CC_REPLICA_NAME,
    queueMax: e.CC2CC_QUEUE_MAX,
    queueTtlMs: e.CC2CC_QUEUE_TTL,
    presenceTtlMs: e.CC2CC_PRESENCE_TTL,
    heartbeatIntervalMs: e.CC2CC_HEARTBEAT_INTERVAL,
    inflightWindow: e.CC2CC_INFLIGHT_WINDOW,
    broadcastIntervalMs: e.CC2CC_BROADCAST_INTERVAL,
    topicEmptyTtlMs: e.CC2CC_TOPIC_EMPTY_TTL,
    statusTtlMs: e.CC2CC_STATUS_TTL,
    reaperIntervalMs: e.CC2CC_REAPER_INTERVAL,
    pingTimeoutMs: e.CC2CC_PING_TIMEOUT,
    maxContentBytes: e.CC2CC_MAX_CONTENT_BYTES,
    frameRate: e.CC2CC_FRAME_RATE,
    shutdownGraceMs: e.CC2CC_SHUTDOWN_GRACE,
    maxHops: e.CC2CC_MAX_HOPS,
    pairRatePerMinute: e.CC2CC_PAIR_RATE,
    maxDeliveries: e.CC2CC_MAX_DELIVERIES,
    messageTtlMs: e.CC2CC_MESSAGE_TTL,
    corsOrigins: e.CC2CC_CORS_ORIGINS,
    logLevel: e.CC2CC_LOG_LEVEL,
    dashboardDir: e.CC2CC_DASHBOARD_DIR,
    historyMaxLen: e.CC2CC_HISTORY_MAX_LEN,
    historyMaxAgeMs: e.CC2CC_HISTORY_MAX_AGE,
    scheduleTimezone: e.CC2CC_SCHEDULE_TIMEZONE,
    schedulePollMs: e.CC2CC_SCHEDULE_POLL_MS,
    scheduleLeaseMs: e.CC2CC_SCHEDULE_LEASE,
    scheduleMissedGraceMs: e.CC2CC_SCHEDULE_MISSED_GRACE,
    scheduleMax: e.CC2CC_SCHEDULE_MAX,
    schedulerFailpoint: e.CC2CC_SCHEDULER_FAILPOINT === "" ? undefined : e.CC2CC_SCHEDULER_FAILPOINT,
  };
}

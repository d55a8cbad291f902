import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const base = { CC2CC_HUB_API_KEY: "plugin-key-1234" };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const c = loadConfig({ ...base });
    expect(c.port).toBe(3100);
    expect(c.redisUrl).toBeUndefined();
    expect(c.redisPrefix).toBe("cc2cc:");
    expect(c.pluginKeys).toEqual(["plugin-key-1234"]);
    expect(c.dashboardKeys).toEqual([]);
    expect(c.queueMax).toBe(1000);
    expect(c.queueTtlMs).toBe(7 * 24 * 3600_000);
    expect(c.presenceTtlMs).toBe(30_000);
    expect(c.broadcastIntervalMs).toBe(5000);
    expect(c.inflightWindow).toBe(32);
    expect(c.maxContentBytes).toBe(65536);
    expect(c.replica).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it("splits comma-separated keys for rotation and reads durations", () => {
    const c = loadConfig({
      ...base,
      CC2CC_HUB_API_KEY: " old-key-0001 , new-key-0002 ",
      CC2CC_DASHBOARD_API_KEY: "dash-key-0001",
      CC2CC_QUEUE_TTL: "2d",
      CC2CC_PRESENCE_TTL: "1500",
      CC2CC_HEARTBEAT_INTERVAL: "500ms",
      CC2CC_REDIS_URL: "redis://127.0.0.1:6400/2",
    });
    expect(c.pluginKeys).toEqual(["old-key-0001", "new-key-0002"]);
    expect(c.dashboardKeys).toEqual(["dash-key-0001"]);
    expect(c.queueTtlMs).toBe(2 * 24 * 3600_000);
    expect(c.presenceTtlMs).toBe(1500);
    expect(c.heartbeatIntervalMs).toBe(500);
    expect(c.redisUrl).toBe("redis://127.0.0.1:6400/2");
  });

  it("names every bad value in one error", () => {
    const found = problems({
      CC2CC_HUB_PORT: "http",
      CC2CC_QUEUE_TTL: "soon",
      CC2CC_REDIS_URL: "localhost:6379",
      CC2CC_LOG_LEVEL: "loud",
    });
    const text = found.join("\n");
    expect(text).toContain("CC2CC_HUB_API_KEY");
    expect(text).toContain("CC2CC_HUB_PORT");
    expect(text).toContain('"soon" is not a duration');
    expect(text).toContain("CC2CC_REDIS_URL must start with redis://");
    expect(text).toContain("CC2CC_LOG_LEVEL");
  });

  it("refuses short keys, out-of-range limits and a heartbeat slower than presence", () => {
    expect(problems({ CC2CC_HUB_API_KEY: "short" }).join()).toContain("each key must be 8-");
    expect(problems({ ...base, CC2CC_QUEUE_MAX: "0" }).join()).toContain(
      "CC2CC_QUEUE_MAX must be at least 1",
    );
    expect(problems({ ...base, CC2CC_MAX_CONTENT_BYTES: "999999999" }).join()).toContain("at most 262144");
    expect(problems({ ...base, CC2CC_PRESENCE_TTL: "5s", CC2CC_HEARTBEAT_INTERVAL: "10s" }).join()).toContain(
      "CC2CC_HEARTBEAT_INTERVAL must be shorter than CC2CC_PRESENCE_TTL",
    );
  });

  it("reads a Sentinel group, and refuses it half-configured or beside a URL", () => {
    const c = loadConfig({
      ...base,
      CC2CC_REDIS_SENTINELS: "s1.lan:26379, s2.lan:26380",
      CC2CC_REDIS_SENTINEL_MASTER: "mymaster",
      CC2CC_REDIS_PASSWORD: "pw",
      CC2CC_REDIS_TLS: "true",
    });
    expect(c.redis).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "s1.lan", port: 26379 },
        { host: "s2.lan", port: 26380 },
      ],
      master: "mymaster",
      password: "pw",
      sentinelPassword: undefined,
      tls: true,
    });
    expect(problems({ ...base, CC2CC_REDIS_SENTINELS: "s1:26379" }).join()).toContain(
      "CC2CC_REDIS_SENTINEL_MASTER is required",
    );
    expect(
      problems({
        ...base,
        CC2CC_REDIS_SENTINELS: "s1:26379",
        CC2CC_REDIS_SENTINEL_MASTER: "m",
        CC2CC_REDIS_URL: "redis://x",
      }).join(),
    ).toContain("not both");
    expect(problems({ ...base, CC2CC_REDIS_SENTINELS: "no-port" }).join()).toContain("host:port");
  });

  it("treats an empty dashboard dir as none and a rediss URL as TLS", () => {
    const c = loadConfig({ ...base, CC2CC_DASHBOARD_DIR: "", CC2CC_REDIS_URL: "rediss://r.lan:6380" });
    expect(c.dashboardDir).toBeUndefined();
    expect(c.redis).toEqual({ kind: "url", url: "rediss://r.lan:6380", password: undefined, tls: true });
    expect(loadConfig({ ...base }).redis).toBeUndefined();
  });

  it("picks the socket.io adapter: classic by default, sharded on request, nothing else", () => {
    expect(loadConfig({ ...base }).socketAdapter).toBe("classic");
    expect(loadConfig({ ...base, CC2CC_SOCKET_ADAPTER: "sharded" }).socketAdapter).toBe("sharded");
    expect(problems({ ...base, CC2CC_SOCKET_ADAPTER: "cluster" }).join()).toContain(
      "CC2CC_SOCKET_ADAPTER must be classic or sharded",
    );
  });

  it("reads the scheduler settings, with UTC and no failpoint by default", () => {
    const d = loadConfig({ ...base });
    expect(d).toMatchObject({
      scheduleTimezone: "UTC",
      schedulePollMs: 1000,
      scheduleLeaseMs: 30_000,
      scheduleMissedGraceMs: 60_000,
      scheduleMax: 1000,
      schedulerFailpoint: undefined,
    });
    const c = loadConfig({
      ...base,
      CC2CC_SCHEDULE_TIMEZONE: "Europe/Berlin",
      CC2CC_SCHEDULE_POLL_MS: "250",
      CC2CC_SCHEDULE_LEASE: "5s",
      CC2CC_SCHEDULE_MISSED_GRACE: "2m",
      CC2CC_SCHEDULE_MAX: "20",
    });
    expect(c).toMatchObject({
      scheduleTimezone: "Europe/Berlin",
      schedulePollMs: 250,
      scheduleLeaseMs: 5000,
      scheduleMissedGraceMs: 120_000,
      scheduleMax: 20,
    });
    expect(problems({ ...base, CC2CC_SCHEDULE_TIMEZONE: "Mars/Olympus" }).join()).toContain("IANA time zone");
    expect(problems({ ...base, CC2CC_SCHEDULER_FAILPOINT: "explode" }).join()).toContain(
      "CC2CC_SCHEDULER_FAILPOINT",
    );
  });
});

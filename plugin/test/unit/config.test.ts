import { INSTANCE_ID_PATTERN } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import {
  type ConfigEnvironment,
  ConfigError,
  defaultSessionFile,
  loadConfig,
  sanitizeIdPart,
} from "../../src/config.js";

const base = (env: NodeJS.ProcessEnv, over: Partial<ConfigEnvironment> = {}): ConfigEnvironment => ({
  env: { CC2CC_HUB_URL: "http://hub.lan:3100", CC2CC_API_KEY: "plugin-key-1", ...env },
  cwd: "/home/alice/src/My Project!",
  hostname: "box.lan",
  username: "alice",
  ppid: 4242,
  tmpdir: "/tmp",
  uid: "1000",
  uuid: () => "00000000-0000-4000-8000-000000000001",
  ...over,
});

function problems(source: ConfigEnvironment): string[] {
  try {
    loadConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("derives a valid instance id from the machine when nothing optional is set", () => {
    const cfg = loadConfig(base({}));
    expect(cfg.username).toBe("alice");
    expect(cfg.host).toBe("box.lan");
    expect(cfg.project).toBe("My-Project");
    expect(cfg.sessionId).toBe("00000000-0000-4000-8000-000000000001");
    expect(cfg.sessionSource).toBe("generated");
    expect(cfg.instanceId).toBe("alice@box.lan:My-Project/00000000-0000-4000-8000-000000000001");
    expect(INSTANCE_ID_PATTERN.test(cfg.instanceId)).toBe(true);
    expect(cfg.hubOrigin).toBe("http://hub.lan:3100");
    expect(cfg.hubPath).toBe("/socket.io");
    expect(cfg.push).toBe(true);
    expect(cfg.requestTimeoutMs).toBe(15_000);
  });

  it("prefers $USER, then CC2CC_* values, sanitized into the id alphabet", () => {
    expect(loadConfig(base({ USER: "bob smith" })).username).toBe("bob-smith");
    const cfg = loadConfig(
      base({
        USER: "bob",
        CC2CC_USERNAME: "carol",
        CC2CC_HOST: "ws 7",
        CC2CC_PROJECT: "shop/api",
        CC2CC_ROLE: "reviewer",
      }),
    );
    expect(cfg.instanceId.startsWith("carol@ws-7:shop-api/")).toBe(true);
    expect(cfg.role).toBe("reviewer");
  });

  it("takes the session id from CC2CC_SESSION_ID, else Claude Code's, else a fresh UUID", () => {
    const claude = loadConfig(base({ CLAUDE_CODE_SESSION_ID: "abc-123" }));
    expect(claude).toMatchObject({ sessionId: "abc-123", sessionSource: "CLAUDE_CODE_SESSION_ID" });
    const explicit = loadConfig(base({ CLAUDE_CODE_SESSION_ID: "abc-123", CC2CC_SESSION_ID: "worker-2" }));
    expect(explicit).toMatchObject({ sessionId: "worker-2", sessionSource: "CC2CC_SESSION_ID" });
    let n = 0;
    const fresh = { uuid: () => `uuid-${++n}` };
    expect(loadConfig(base({}, fresh)).sessionId).not.toBe(loadConfig(base({}, fresh)).sessionId);
  });

  it("reports every missing or bad value at once, each naming its variable", () => {
    const list = problems(
      base({
        CC2CC_HUB_URL: "",
        CC2CC_API_KEY: "",
        CC2CC_SESSION_ID: "///",
        CC2CC_ROLE: "-bad",
        CC2CC_PUSH: "maybe",
        CC2CC_REQUEST_TIMEOUT: "10",
      }),
    );
    expect(list.map((p) => p.split(":")[0])).toEqual([
      "CC2CC_HUB_URL",
      "CC2CC_API_KEY",
      "CC2CC_SESSION_ID",
      "CC2CC_ROLE",
      "CC2CC_PUSH",
      "CC2CC_REQUEST_TIMEOUT",
    ]);
    expect(list[0]).toContain("is required");
  });

  it("rejects URLs it cannot dial and keys in the URL", () => {
    expect(problems(base({ CC2CC_HUB_URL: "hub.lan" }))[0]).toContain("is not a URL");
    expect(problems(base({ CC2CC_HUB_URL: "ftp://hub.lan" }))[0]).toContain("must start with http://");
    expect(problems(base({ CC2CC_HUB_URL: "http://u:p@hub.lan" }))[0]).toContain(
      "must not carry credentials",
    );
  });

  it("keeps an ingress path prefix as the socket.io path and maps ws(s) to http(s)", () => {
    const cfg = loadConfig(base({ CC2CC_HUB_URL: "wss://ingress.lan/cc2cc/" }));
    expect(cfg.hubOrigin).toBe("https://ingress.lan");
    expect(cfg.hubPath).toBe("/cc2cc/socket.io");
  });

  it("refuses reserved and overlong names", () => {
    expect(problems(base({ CC2CC_USERNAME: "operator" }))[0]).toContain("reserved");
    expect(problems(base({ CC2CC_PROJECT: "p".repeat(65) }))[0]).toContain("at most 64");
  });

  it("puts the session file under the temp dir keyed by the parent pid unless CC2CC_SESSION_FILE is set", () => {
    const cfg = loadConfig(base({}));
    expect(cfg.sessionFile).toBe(defaultSessionFile("/tmp", "1000", 4242));
    expect(cfg.sessionFile).toBe("/tmp/cc2cc-1000/sessions/4242.json");
    expect(cfg.sessionFileIsDefault).toBe(true);
    const explicit = loadConfig(base({ CC2CC_SESSION_FILE: "/var/run/me.json" }));
    expect(explicit).toMatchObject({ sessionFile: "/var/run/me.json", sessionFileIsDefault: false });
  });

  it("parses the optional switches", () => {
    expect(loadConfig(base({ CC2CC_PUSH: "off" })).push).toBe(false);
    expect(loadConfig(base({ CC2CC_REQUEST_TIMEOUT: "2500" })).requestTimeoutMs).toBe(2500);
  });
});

describe("sanitizeIdPart", () => {
  it("maps to [A-Za-z0-9._-], trims separators and caps at 64", () => {
    expect(sanitizeIdPart("  héllo wörld ")).toBe("h-llo-w-rld");
    expect(sanitizeIdPart("--a..")).toBe("a");
    expect(sanitizeIdPart("x".repeat(80))).toHaveLength(64);
    expect(sanitizeIdPart("???")).toBe("");
  });
});

import { describe, expect, it } from "vitest";
import { hashSecret, KeyRing } from "../../src/auth.js";

describe("KeyRing", () => {
  it("gives plugin keys dashboard powers only when no dashboard key is configured", () => {
    const single = new KeyRing(["plugin-key-1"], []);
    expect(single.check("plugin-key-1")).toBe("dashboard");
    const split = new KeyRing(["plugin-key-1", "plugin-key-2"], ["dash-key-1"]);
    expect(split.check("plugin-key-1")).toBe("plugin");
    expect(split.check("plugin-key-2")).toBe("plugin");
    expect(split.check("dash-key-1")).toBe("dashboard");
  });

  it("refuses unknown, empty and non-string keys", () => {
    const ring = new KeyRing(["plugin-key-1"], ["dash-key-1"]);
    expect(ring.check("plugin-key-")).toBeNull();
    expect(ring.check("plugin-key-11")).toBeNull();
    expect(ring.check("")).toBeNull();
    expect(ring.check(undefined)).toBeNull();
    expect(ring.check({ key: "plugin-key-1" })).toBeNull();
  });

  it("stores secrets only as SHA-256 hex", () => {
    expect(hashSecret("s3cret-s3cret-s3cret")).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret("a")).not.toBe(hashSecret("b"));
  });
});

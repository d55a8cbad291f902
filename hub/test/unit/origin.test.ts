import { describe, expect, it } from "vitest";
import { originAllowed } from "../../src/realtime/socket-server.js";

describe("originAllowed (WebSocket handshakes)", () => {
  it("lets non-browser clients in: they send no Origin", () => {
    expect(originAllowed(undefined, "hub.lan:3100", [])).toBe(true);
  });
  it("accepts the hub's own origin (the served dashboard) and the configured ones", () => {
    expect(originAllowed("http://hub.lan:3100", "hub.lan:3100", [])).toBe(true);
    expect(originAllowed("http://localhost:8029", "hub.lan:3100", ["http://localhost:8029"])).toBe(true);
  });
  it("refuses any other origin, and garbage", () => {
    expect(originAllowed("http://evil.example", "hub.lan:3100", ["http://allowed.example"])).toBe(false);
    expect(originAllowed("http://hub.lan:3101", "hub.lan:3100", [])).toBe(false);
    expect(originAllowed("null", "hub.lan:3100", [])).toBe(false);
  });
});

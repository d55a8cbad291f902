import type { ErrorBody, HubEvent } from "@cc2cc/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createConnection } from "../../src/composables/use-connection";
import { ALICE, BOB, msg } from "./events";
import { FakeSocket } from "./fake-socket";

afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const sockets: FakeSocket[] = [];
  const keys: string[] = [];
  const refused: ErrorBody[] = [];
  const conn = createConnection({
    factory: (key) => {
      keys.push(key);
      const s = new FakeSocket();
      sockets.push(s);
      return s.asSocket();
    },
    onRefused: (e) => refused.push(e),
  });
  return { conn, sockets, keys, refused };
}

describe("dashboard connection", () => {
  it("opens with the key in the handshake and goes live", () => {
    const { conn, sockets, keys } = setup();
    conn.open("the-key-0001");
    expect(keys).toEqual(["the-key-0001"]);
    expect(conn.state.value).toBe("connecting");
    sockets[0]!.emitLocal("connect");
    expect(conn.state.value).toBe("live");
  });

  it("stops and reports a refused key instead of retrying", () => {
    const { conn, sockets, refused } = setup();
    conn.open("wrong-key-0001");
    sockets[0]!.emitLocal(
      "connect_error",
      Object.assign(new Error("nope"), { data: { code: "UNAUTHORIZED", message: "bad key" } }),
    );
    expect(refused.map((r) => r.code)).toEqual(["UNAUTHORIZED"]);
    expect(conn.state.value).toBe("idle");
    expect(sockets[0]!.disconnected).toBe(true);
  });

  it("shows reconnecting after a loss, reconnects a server-closed socket itself, and resumes", () => {
    vi.useFakeTimers();
    const { conn, sockets } = setup();
    const resumed = vi.fn();
    conn.onResume(resumed);
    conn.open("k-000000001");
    const s = sockets[0]!;
    s.emitLocal("connect");
    s.emitLocal("disconnect", "io server disconnect");
    expect(conn.state.value).toBe("reconnecting");
    vi.advanceTimersByTime(5000);
    expect(s.connects).toBe(1);
    s.emitLocal(
      "connect_error",
      Object.assign(new Error("x"), { data: { code: "SHUTTING_DOWN", message: "bye" } }),
    );
    expect(conn.state.value).toBe("reconnecting");
    expect(conn.lastError.value).toBe("bye");
    s.emitLocal("connect");
    expect(conn.state.value).toBe("live");
    expect(resumed).toHaveBeenCalledTimes(1);
  });

  it("delivers the hub's event arrays in order, in batches per frame", async () => {
    const { conn, sockets } = setup();
    const batches: HubEvent[][] = [];
    conn.onEvents((b) => batches.push(b));
    conn.open("k-000000001");
    const sent = Array.from({ length: 50 }, () => msg(ALICE, BOB));
    // As two replicas would send them: arrays of different lengths, arriving one after another.
    for (let i = 0; i < 50; i += 7) sockets[0]!.emitLocal("hub_events", sent.slice(i, i + 7));
    sockets[0]!.emitLocal("hub_events", { not: "an array" });
    expect(batches).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.flat()).toEqual(sent);
  });
});

import type { HistoryPage, InstanceInfo } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { createAppState } from "../../src/app-state";
import { sessionKeyStore } from "../../src/lib/session";
import { ALICE, BOB, entry, msg } from "./events";
import { FakeSocket } from "./fake-socket";

const GOOD = "good-dashboard-key-1";

function instance(id: string, online = true): InstanceInfo {
  const [user, rest] = id.split("@") as [string, string];
  return {
    instanceId: id,
    username: user,
    host: rest.split(":")[0]!,
    project: rest.split(":")[1]!.split("/")[0]!,
    session: id.split("/")[1]!,
    role: null,
    online,
    replica: "r1",
    queueDepth: 0,
    processing: 0,
    registeredAt: "2030-01-01T00:00:00.000Z",
    lastSeen: "2030-01-01T00:00:00.000Z",
  };
}

/** A hub's REST API in a function: checks the bearer key like the hub does. */
function fakeHub(requests: Array<{ url: string; auth: string | null }>): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    const auth = new Headers(init?.headers).get("authorization");
    requests.push({ url, auth });
    if (auth !== `Bearer ${GOOD}`) {
      return new Response(JSON.stringify({ code: "UNAUTHORIZED", message: "bad key" }), { status: 401 });
    }
    if (url.startsWith("/api/instances"))
      return Response.json({ instances: [instance(ALICE), instance(BOB, false)] });
    if (url.startsWith("/api/history")) {
      const page: HistoryPage = {
        entries: [entry(msg(ALICE, BOB)), entry(msg(BOB, ALICE))],
        next: "1-0",
        scanned: 2,
      };
      return Response.json(page);
    }
    return new Response("{}", { status: 404 });
  };
}

describe("sign-in", () => {
  it("says a wrong key is wrong and forgets it; a right key is kept in sessionStorage only", async () => {
    const requests: Array<{ url: string; auth: string | null }> = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = fakeHub(requests);
    try {
      const sockets: FakeSocket[] = [];
      const keys = sessionKeyStore(window.sessionStorage);
      const app = createAppState(keys, {
        socketFactory: () => {
          const s = new FakeSocket();
          sockets.push(s);
          return s.asSocket();
        },
      });
      expect(await app.signIn("wrong-key-0000")).toBe(false);
      expect(app.signInError.value).toMatch(/refused/);
      expect(keys.get()).toBeNull();
      expect(sockets).toHaveLength(0);

      expect(await app.signIn(` ${GOOD} `)).toBe(true);
      expect(app.signedIn.value).toBe(true);
      expect(window.sessionStorage.getItem("cc2cc.dashboardKey")).toBe(GOOD);
      expect(
        window.localStorage.length === 0 || window.localStorage.getItem("cc2cc.dashboardKey") === null,
      ).toBe(true);
      expect(requests.every((r) => !r.url.includes(GOOD))).toBe(true);
      expect(app.instances.list.value).toHaveLength(2);
      expect(app.feed.items.value).toHaveLength(2);
      expect(app.olderCursor.value).toBe("1-0");
      expect(sockets).toHaveLength(1);

      app.signOut();
      expect(keys.get()).toBeNull();
      expect(app.feed.items.value).toHaveLength(0);
      expect(sockets[0]!.disconnected).toBe(true);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

import type { DeadLetter, QueueStats } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { createDeadLetters, DEAD_LETTER_LIMIT, reasonText } from "../../src/composables/use-dead-letters";
import { ApiError } from "../../src/lib/api";
import { heldCount, loadQueueStats } from "../../src/lib/queue-stats";
import { ALICE, BOB, msg } from "./events";
import { fakeApi, notices } from "./fake-api";

function letter(content: string, reason: DeadLetter["reason"] = "max_deliveries"): DeadLetter {
  return {
    message: msg(ALICE, BOB, { content }).message,
    reason,
    deliveries: 3,
    deadAt: "2030-01-01T12:00:00.000Z",
  };
}

const ENC_BOB = encodeURIComponent(BOB);

describe("queue stats", () => {
  it("reads every queue with a bounded number of requests in flight, skipping failures", async () => {
    let inFlight = 0;
    let most = 0;
    const ids = Array.from({ length: 10 }, (_, i) => `u${i}@h:p/s${i}`);
    const api = fakeApi(async ({ path }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (path.includes("u3")) throw new ApiError("NOT_FOUND", "gone", 404);
      const instanceId = decodeURIComponent(path.split("/")[2]!);
      const stats: QueueStats = { instanceId, pending: 1, processing: 0, oldestAt: null, deadLetters: 2 };
      return { stats, pending: [], processing: [] };
    });
    const stats = await loadQueueStats(api, ids, 3);
    expect(most).toBe(3);
    expect(api.calls).toHaveLength(10);
    expect(api.calls[0]).toEqual({
      method: "GET",
      path: "/instances/u0%40h%3Ap%2Fs0/queue",
      query: { limit: 1 },
    });
    expect([...stats.keys()]).toHaveLength(9);
    expect(stats.has("u3@h:p/s3")).toBe(false);
    expect(heldCount({ queueDepth: 4, processing: 1 }, stats.get("u0@h:p/s0"))).toBe(7);
    expect(heldCount({ queueDepth: 4, processing: 1 }, undefined)).toBe(5);
  });

  it("answers an empty map for no instances without a request", async () => {
    const api = fakeApi(() => ({}));
    expect((await loadQueueStats(api, [])).size).toBe(0);
    expect(api.calls).toHaveLength(0);
  });
});

describe("dead letters", () => {
  it("names both reasons", () => {
    expect(reasonText({ reason: "max_deliveries", deliveries: 10 })).toBe("handed out 10× without an ack");
    expect(reasonText({ reason: "expired", deliveries: 1 })).toBe(
      "expired before it was acknowledged (1 delivery)",
    );
  });

  it("loads an instance's dead letters and replays one, then reloads and reports the change", async () => {
    let held = [letter("first"), letter("second", "expired")];
    const api = fakeApi(({ method, path }) => {
      if (method === "GET") return { deadLetters: held };
      held = held.filter((d) => !path.includes(d.message.id));
      return { replayed: path.split("/")[4] };
    });
    const n = notices(true);
    let changed = 0;
    const dead = createDeadLetters(api, n, () => void changed++);
    await dead.load(BOB);
    expect(api.calls[0]).toEqual({
      method: "GET",
      path: `/instances/${ENC_BOB}/dead-letters`,
      query: { limit: DEAD_LETTER_LIMIT },
    });
    expect(dead.items.value.map((d) => d.message.content)).toEqual(["first", "second"]);
    expect(dead.loaded.value).toBe(true);

    const id = held[0]!.message.id;
    expect(await dead.replay(id)).toBe(true);
    expect(api.calls[1]).toEqual({
      method: "POST",
      path: `/instances/${ENC_BOB}/dead-letters/${id}/replay`,
      body: {},
    });
    expect(dead.items.value.map((d) => d.message.content)).toEqual(["second"]);
    expect(n.toasts).toEqual([["ok", "Replayed to the end of bob@dev2:api/2222's queue"]]);
    expect(n.asked).toEqual([]);
    expect(changed).toBe(1);
    expect(dead.busy.value).toBe(null);
  });

  it("discards only after confirmation", async () => {
    const held = [letter("poison")];
    const id = held[0]!.message.id;
    const api = fakeApi(({ method }) => (method === "GET" ? { deadLetters: held } : { discarded: id }));
    const no = notices(false);
    const dead = createDeadLetters(api, no);
    await dead.load(BOB);
    expect(await dead.discard(id)).toBe(false);
    expect(no.asked[0]).toContain("cannot be undone");
    expect(no.asked[0]).toContain("task from alice@dev1:webapp/1111 to bob@dev2:api/2222");
    expect(api.calls.map((c) => c.method)).toEqual(["GET"]);

    const yes = notices(true);
    const dead2 = createDeadLetters(api, yes);
    await dead2.load(BOB);
    held.length = 0;
    expect(await dead2.discard(id)).toBe(true);
    expect(api.calls.at(-2)).toEqual({ method: "DELETE", path: `/instances/${ENC_BOB}/dead-letters/${id}` });
    expect(dead2.items.value).toEqual([]);
    expect(yes.toasts[0]?.[0]).toBe("ok");
  });

  it("reports a failed action and still reloads (someone else may have been first)", async () => {
    let held = [letter("raced")];
    const api = fakeApi(({ method }) => {
      if (method === "GET") return { deadLetters: held };
      held = [];
      throw new ApiError("NOT_FOUND", "no dead letter", 404);
    });
    const n = notices(true);
    const dead = createDeadLetters(api, n);
    await dead.load(BOB);
    expect(await dead.replay(held[0]!.message.id)).toBe(false);
    expect(n.toasts).toEqual([["error", "NOT_FOUND: no dead letter"]]);
    expect(dead.items.value).toEqual([]);
  });

  it("keeps the instance the operator switched to when an older load answers late", async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    const api = fakeApi(async ({ path }) => {
      if (path.includes(ENC_BOB)) await slow;
      return { deadLetters: [letter(path.includes(ENC_BOB) ? "bob's" : "alice's")] };
    });
    const dead = createDeadLetters(api, notices(true));
    const first = dead.load(BOB);
    await dead.load(ALICE);
    release();
    await first;
    expect(dead.instanceId.value).toBe(ALICE);
    expect(dead.items.value.map((d) => d.message.content)).toEqual(["alice's"]);
  });

  it("runs one action at a time", async () => {
    let release: () => void = () => {};
    const held = [letter("a"), letter("b")];
    const api = fakeApi(async ({ method }) => {
      if (method === "GET") return { deadLetters: held };
      await new Promise<void>((r) => {
        release = r;
      });
      return {};
    });
    const dead = createDeadLetters(api, notices(true));
    await dead.load(BOB);
    const first = dead.replay(held[0]!.message.id);
    expect(dead.busy.value).toBe(held[0]!.message.id);
    expect(await dead.replay(held[1]!.message.id)).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(api.calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });
});

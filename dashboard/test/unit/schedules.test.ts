import type { HubEvent, Schedule } from "@cc2cc/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSchedules, sortSchedules } from "../../src/composables/use-schedules";
import { ApiError } from "../../src/lib/api";
import { fakeApi, fire, notices, schedule } from "./schedules-fixtures";

const at = "2030-01-01T00:00:00.000Z";
const ev = (e: Record<string, unknown>) => ({ at, replica: "r1", ...e }) as HubEvent;

afterEach(() => {
  vi.useRealTimers();
});

describe("schedule list", () => {
  it("sorts active schedules by next fire, then the rest by name", () => {
    const later = schedule({ name: "b", nextFireAt: "2030-01-01T05:00:00.000Z" });
    const sooner = schedule({ name: "z", nextFireAt: "2030-01-01T02:00:00.000Z" });
    const paused = schedule({ name: "a", state: "paused", enabled: false, nextFireAt: undefined });
    const done = schedule({ name: "c", state: "completed", nextFireAt: undefined });
    expect(sortSchedules([paused, later, done, sooner]).map((s) => s.name)).toEqual(["z", "b", "a", "c"]);
  });

  it("loads the list and the last fire of each schedule that fired, four reads at a time", async () => {
    const list = Array.from({ length: 10 }, (_, i) => schedule({ fireCount: i < 9 ? 1 : 0 }));
    let inFlight = 0;
    let most = 0;
    const api = fakeApi(async ({ path }) => {
      if (path === "/schedules") return { schedules: list };
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const s = list.find((x) => path.includes(x.id)) as Schedule;
      return { fires: s === list[3] ? [] : [fire(s)] };
    });
    const store = createSchedules(api, notices(true));
    await store.load();
    expect(store.loaded.value).toBe(true);
    expect(store.items.value).toHaveLength(10);
    const reads = api.calls.filter((c) => c.path.endsWith("/fires"));
    expect(reads).toHaveLength(9);
    expect(reads.every((c) => c.query?.limit === 1)).toBe(true);
    expect(most).toBe(4);
    expect(store.lastFires.value.size).toBe(8);
    expect(store.lastFires.value.has(list[3]!.id)).toBe(false);
  });
});

describe("live updates from schedule:* events", () => {
  it("adds, updates (never with an older copy), removes, and ignores a late event for a deleted one", async () => {
    const s = schedule();
    const store = createSchedules(
      fakeApi(() => ({ schedules: [] })),
      notices(true),
    );
    store.apply([ev({ type: "schedule:created", schedule: s })]);
    expect(store.items.value.map((x) => x.id)).toEqual([s.id]);
    const paused = { ...s, state: "paused" as const, enabled: false, updatedAt: "2030-01-01T00:01:00.000Z" };
    store.apply([ev({ type: "schedule:updated", schedule: paused })]);
    store.apply([ev({ type: "schedule:updated", schedule: s })]);
    expect(store.items.value[0]?.state).toBe("paused");
    store.apply([
      ev({ type: "schedule:deleted", scheduleId: s.id }),
      ev({ type: "schedule:updated", schedule: { ...paused, updatedAt: "2030-01-02T00:00:00.000Z" } }),
    ]);
    expect(store.items.value).toEqual([]);
  });

  it("puts a fire into the open history once and into the last-fire column", async () => {
    const s = schedule({ fireCount: 1 });
    const first = fire(s);
    const api = fakeApi(({ path }) => (path === `/schedules/${s.id}` ? { schedule: s, fires: [first] } : {}));
    const store = createSchedules(api, notices(true));
    await store.select(s.id);
    expect(store.fires.value).toEqual([first]);
    const second = fire(s, { plannedAt: "2030-01-01T03:00:00.000Z", firedAt: "2030-01-01T03:00:00.050Z" });
    const updated = { ...s, fireCount: 2, lastFiredAt: second.firedAt, updatedAt: second.firedAt };
    store.apply([
      ev({ type: "schedule:fired", fire: second }),
      ev({ type: "schedule:updated", schedule: updated }),
    ]);
    store.apply([ev({ type: "schedule:fired", fire: second })]);
    expect(store.fires.value).toEqual([second, first]);
    expect(store.lastFires.value.get(s.id)).toEqual(second);
    expect(store.items.value[0]?.fireCount).toBe(2);
  });

  it("re-reads the list once when fires arrive without an update carrying the new count", async () => {
    vi.useFakeTimers();
    const s = schedule({ fireCount: 0 });
    const after = { ...s, fireCount: 2, lastFiredAt: "2030-01-01T01:30:00.200Z" };
    const api = fakeApi(() => ({ schedules: [after] }));
    const store = createSchedules(api, notices(true));
    store.apply([ev({ type: "schedule:created", schedule: s })]);
    store.apply([ev({ type: "schedule:fired", fire: fire(s) })]);
    store.apply([ev({ type: "schedule:fired", fire: fire(s, { firedAt: "2030-01-01T01:30:00.200Z" }) })]);
    expect(api.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.calls.map((c) => c.path)).toEqual(["/schedules"]);
    expect(store.items.value[0]?.fireCount).toBe(2);
    store.dispose();
  });
});

describe("operator actions", () => {
  it("pauses with PATCH {enabled:false} and shows the hub's answer", async () => {
    const s = schedule();
    const paused = { ...s, enabled: false, state: "paused" as const, updatedAt: "2030-01-01T00:05:00.000Z" };
    const api = fakeApi(() => paused);
    const said = notices(true);
    const store = createSchedules(api, said);
    store.apply([ev({ type: "schedule:created", schedule: s })]);
    expect(await store.setEnabled(s, false)).toBe(true);
    expect(api.calls).toEqual([{ method: "PATCH", path: `/schedules/${s.id}`, body: { enabled: false } }]);
    expect(store.items.value[0]?.state).toBe("paused");
    expect(said.toasts).toEqual([["ok", `Paused ${s.name}`]]);
  });

  it("fires now and says so when the fire was refused, with the code", async () => {
    const s = schedule();
    const refused = fire(s, {
      outcome: "refused",
      trigger: "manual",
      recipients: undefined,
      error: { code: "UNKNOWN_RECIPIENT", message: "nobody holds role:team" },
    });
    const said = notices(true);
    const store = createSchedules(
      fakeApi(() => refused),
      said,
    );
    expect(await store.fireNow(s)).toBe(false);
    expect(said.toasts[0]?.[0]).toBe("error");
    expect(said.toasts[0]?.[1]).toContain("refused (UNKNOWN_RECIPIENT: nobody holds role:team)");
    expect(store.lastFires.value.get(s.id)).toEqual(refused);
  });

  it("deletes only after confirmation", async () => {
    const s = schedule({ fireCount: 3 });
    const api = fakeApi(() => ({ scheduleId: s.id, deleted: true }));
    const no = notices(false);
    const store = createSchedules(api, no);
    store.apply([ev({ type: "schedule:created", schedule: s })]);
    expect(await store.remove(s)).toBe(false);
    expect(no.asked[0]).toContain("history of 3 fire(s) is deleted");
    expect(api.calls).toEqual([]);
    const yes = notices(true);
    const store2 = createSchedules(api, yes);
    store2.apply([ev({ type: "schedule:created", schedule: s })]);
    expect(await store2.remove(s)).toBe(true);
    expect(api.calls).toEqual([{ method: "DELETE", path: `/schedules/${s.id}` }]);
    expect(store2.items.value).toEqual([]);
    expect(yes.toasts).toEqual([["ok", `Deleted schedule ${s.name}`]]);
  });

  it("creates with POST and edits with PATCH; a refusal reaches the caller with its code", async () => {
    const s = schedule();
    const api = fakeApi(({ method, body }) => {
      if (method === "POST" && (body as { expression: string }).expression === "every 5s")
        throw new ApiError("VALIDATION", "minimum interval is one minute", 400, "expression");
      return method === "POST" ? s : { ...s, name: "renamed", updatedAt: "2030-01-01T00:09:00.000Z" };
    });
    const store = createSchedules(api, notices(true));
    const body = {
      name: s.name,
      expression: "every 90m",
      target: "role:team",
      messageType: "task" as const,
      content: "x",
    };
    expect(await store.save(body)).toEqual(s);
    expect((await store.save({ name: "renamed" }, s.id)).name).toBe("renamed");
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "POST /schedules",
      `PATCH /schedules/${s.id}`,
    ]);
    expect(store.items.value.map((x) => x.name)).toEqual(["renamed"]);
    await expect(store.save({ ...body, expression: "every 5s" })).rejects.toMatchObject({
      code: "VALIDATION",
      field: "expression",
    });
  });

  it("runs one action at a time", async () => {
    const s = schedule();
    let release: (v: unknown) => void = () => {};
    const api = fakeApi(() => new Promise((r) => (release = r)));
    const store = createSchedules(api, notices(true));
    const first = store.fireNow(s);
    expect(store.busy.value).toBe(s.id);
    expect(await store.setEnabled(s, false)).toBe(false);
    release(fire(s, { trigger: "manual" }));
    expect(await first).toBe(true);
    expect(api.calls).toHaveLength(1);
    expect(store.busy.value).toBeNull();
  });
});

import type { HubEvent, InstanceInfo } from "@cc2cc/shared";
import { describe, expect, it, vi } from "vitest";
import { createInstances } from "../../src/composables/use-instances";
import type { Api } from "../../src/lib/api";

const base = (id: string, online: boolean, role: string | null = null): InstanceInfo => ({
  instanceId: id,
  username: id.split("@")[0]!,
  host: "h",
  project: id.split(":")[1]!.split("/")[0]!,
  session: id.split("/")[1]!,
  role,
  online,
  replica: "r1",
  queueDepth: 0,
  processing: 0,
  registeredAt: "2030-01-01T00:00:00.000Z",
  lastSeen: "2030-01-01T00:00:00.000Z",
});

function api(list: InstanceInfo[]): Api & { calls: number } {
  const a = {
    calls: 0,
    get: vi.fn(async () => {
      a.calls++;
      return { instances: list } as never;
    }),
    post: vi.fn(),
    del: vi.fn(),
  };
  return a as unknown as Api & { calls: number };
}

describe("instances store", () => {
  it("groups by project, online first, and follows instance events", async () => {
    const store = createInstances(
      api([base("a@h:web/1", false), base("b@h:web/2", true), base("c@h:api/3", false)]),
    );
    await store.refresh();
    expect(
      store.groups.value.map((g) => [g.project, g.online, g.instances.map((i) => i.instanceId)]),
    ).toEqual([
      ["web", 1, ["b@h:web/2", "a@h:web/1"]],
      ["api", 0, ["c@h:api/3"]],
    ]);
    const at = "2030-01-01T00:00:01.000Z";
    const events: HubEvent[] = [
      { type: "instance:connected", at, replica: "r2", instance: base("c@h:api/3", true, "reviewer") },
      { type: "instance:disconnected", at, replica: "r1", instanceId: "b@h:web/2" },
      { type: "instance:removed", at, replica: "r1", instanceId: "a@h:web/1" },
    ];
    store.apply(events);
    expect(store.byId.value.get("c@h:api/3")?.role).toBe("reviewer");
    expect(store.byId.value.get("b@h:web/2")?.online).toBe(false);
    expect(store.byId.value.has("a@h:web/1")).toBe(false);
  });

  it("refreshes at most once per interval when messages move", async () => {
    vi.useFakeTimers();
    try {
      const a = api([]);
      const store = createInstances(a);
      await store.refresh();
      const sent: HubEvent = {
        type: "queue:flushed",
        at: "x",
        replica: "r",
        instanceId: "a@h:web/1",
        removed: 1,
      };
      for (let i = 0; i < 100; i++) store.apply([sent]);
      await vi.advanceTimersByTimeAsync(2000);
      expect(a.calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

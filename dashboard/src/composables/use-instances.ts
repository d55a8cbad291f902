import { addressOf, type HubEvent, type InstanceInfo } from "@cc2cc/shared";
import { type ComputedRef, computed, type ShallowRef, shallowRef } from "vue";
import type { Api } from "../lib/api";
import { projectOf } from "../lib/format";

export interface ProjectGroup {
  project: string;
  online: number;
  instances: InstanceInfo[];
}

export interface Instances {
  readonly byId: Readonly<ShallowRef<ReadonlyMap<string, InstanceInfo>>>;
  readonly list: ComputedRef<InstanceInfo[]>;
  readonly groups: ComputedRef<ProjectGroup[]>;
  refresh(): Promise<void>;
  apply(events: readonly HubEvent[]): void;
}

/** Refreshes for queue depths (which no event carries) come at most this often. */
const REFRESH_MIN_MS = 1500;

/**
 * Instances as the hub knows them: loaded from REST, kept current by hub events, and refreshed
 * (throttled) when messages move, because queue depth and processing counts change without an
 * instance event.
 */
export function createInstances(api: Api): Instances {
  const byId = shallowRef<ReadonlyMap<string, InstanceInfo>>(new Map());
  let lastRefresh = 0;
  let scheduled: ReturnType<typeof setTimeout> | null = null;

  async function refresh(): Promise<void> {
    lastRefresh = Date.now();
    const { instances } = await api.get<{ instances: InstanceInfo[] }>("/instances");
    byId.value = new Map(instances.map((i) => [i.instanceId, i]));
  }

  function refreshSoon(): void {
    if (scheduled !== null) return;
    const wait = Math.max(0, lastRefresh + REFRESH_MIN_MS - Date.now());
    scheduled = setTimeout(() => {
      scheduled = null;
      refresh().catch(() => {});
    }, wait);
  }

  function apply(events: readonly HubEvent[]): void {
    let next: Map<string, InstanceInfo> | null = null;
    const edit = () => (next ??= new Map(byId.value));
    let queuesMoved = false;
    for (const e of events) {
      switch (e.type) {
        case "instance:connected":
        case "instance:updated":
          edit().set(e.instance.instanceId, e.instance);
          break;
        case "instance:disconnected": {
          const known = (next ?? byId.value).get(e.instanceId);
          if (known) edit().set(e.instanceId, { ...known, online: false, lastSeen: e.at });
          break;
        }
        case "instance:removed":
          edit().delete(e.instanceId);
          break;
        case "instance:migrated":
          edit().delete(e.from);
          queuesMoved = true;
          break;
        case "message:sent":
        case "message:acked":
        case "queue:flushed":
          queuesMoved = true;
          break;
        default:
          break;
      }
    }
    if (next) byId.value = next;
    if (queuesMoved) refreshSoon();
  }

  const list = computed(() => [...byId.value.values()]);
  const groups = computed(() => {
    const map = new Map<string, InstanceInfo[]>();
    for (const i of list.value) {
      const key = projectOf(i.instanceId);
      map.set(key, [...(map.get(key) ?? []), i]);
    }
    return [...map]
      .map(([project, instances]) => ({
        project,
        online: instances.filter((i) => i.online).length,
        instances: instances.sort(
          (a, b) =>
            Number(b.online) - Number(a.online) ||
            addressOf(a.instanceId).localeCompare(addressOf(b.instanceId)),
        ),
      }))
      .sort((a, b) => b.online - a.online || a.project.localeCompare(b.project));
  });

  return { byId, list, groups, refresh, apply };
}

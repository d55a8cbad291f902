import {
  type CreateScheduleBody,
  type HubEvent,
  SCHEDULE_LIMITS,
  type Schedule,
  type ScheduleFire,
  type UpdateScheduleBody,
} from "@cc2cc/shared";
import { type Ref, ref, type ShallowRef, shallowRef } from "vue";
import { type Api, ApiError, enc } from "../lib/api";
import type { Notices } from "./use-notices";

export interface Schedules {
  /** Active ones by next fire, then the rest by name. */
  readonly items: Readonly<ShallowRef<readonly Schedule[]>>;
  readonly loaded: Readonly<Ref<boolean>>;
  /** The newest fire of each schedule that fired, for the list's "last fire" column. */
  readonly lastFires: Readonly<ShallowRef<ReadonlyMap<string, ScheduleFire>>>;
  /** The schedule whose history is open, and that history (newest first). */
  readonly selectedId: Readonly<Ref<string | null>>;
  readonly fires: Readonly<ShallowRef<readonly ScheduleFire[]>>;
  /** The schedule an action is under way for (its buttons are disabled). */
  readonly busy: Readonly<Ref<string | null>>;
  load(): Promise<void>;
  select(id: string | null): Promise<void>;
  apply(batch: readonly HubEvent[]): void;
  /** Creates (no `id`) or updates; the hub's refusal is thrown for the form to show. */
  save(body: CreateScheduleBody | UpdateScheduleBody, id?: string): Promise<Schedule>;
  setEnabled(s: Schedule, enabled: boolean): Promise<boolean>;
  fireNow(s: Schedule): Promise<boolean>;
  remove(s: Schedule): Promise<boolean>;
  dispose(): void;
}

/** Schedules whose last fire the list reads at load, and how many reads run at once. */
const LAST_FIRE_READS = 100;
const LAST_FIRE_CONCURRENCY = 4;
/** A fire whose schedule:updated did not follow re-reads the list after this long, once. */
const CATCH_UP_MS = 1000;

export function fireKey(f: ScheduleFire): string {
  return `${f.scheduleId}|${f.plannedAt}|${f.firedAt}|${f.trigger}`;
}

export function sortSchedules(list: readonly Schedule[]): Schedule[] {
  const next = (s: Schedule) => (s.nextFireAt ? Date.parse(s.nextFireAt) : Number.POSITIVE_INFINITY);
  return [...list].sort(
    (a, b) => next(a) - next(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
  );
}

/** An event may trail a REST answer: keep whichever copy is newer. */
function newer(incoming: Schedule, held: Schedule | undefined): boolean {
  if (!held) return true;
  if (incoming.updatedAt !== held.updatedAt) return incoming.updatedAt > held.updatedAt;
  return incoming.fireCount >= held.fireCount;
}

export function errorText(err: unknown): string {
  return err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
}

/**
 * The Schedules view's data: the list over REST, kept current by the `schedule:*` hub events,
 * the open schedule's fire history, and the operator's actions (each one toasts its outcome).
 */
export function createSchedules(api: Api, notices: Pick<Notices, "confirm" | "toast">): Schedules {
  const items = shallowRef<readonly Schedule[]>([]);
  const loaded = ref(false);
  const lastFires = shallowRef<ReadonlyMap<string, ScheduleFire>>(new Map());
  const selectedId = ref<string | null>(null);
  const fires = shallowRef<readonly ScheduleFire[]>([]);
  const busy = ref<string | null>(null);
  const deleted = new Set<string>();
  let catchUp: ReturnType<typeof setTimeout> | null = null;
  const path = (id: string) => `/schedules/${enc(id)}`;

  function upsert(s: Schedule): void {
    if (deleted.has(s.id)) return;
    const held = items.value.find((x) => x.id === s.id);
    if (!newer(s, held)) return;
    items.value = sortSchedules([...items.value.filter((x) => x.id !== s.id), s]);
  }

  function drop(id: string): void {
    deleted.add(id);
    if (deleted.size > 1000) deleted.delete(deleted.values().next().value as string);
    items.value = items.value.filter((x) => x.id !== id);
    if (lastFires.value.has(id)) {
      const m = new Map(lastFires.value);
      m.delete(id);
      lastFires.value = m;
    }
    if (selectedId.value === id) {
      selectedId.value = null;
      fires.value = [];
    }
  }

  function recordFire(f: ScheduleFire): void {
    const last = lastFires.value.get(f.scheduleId);
    if (!last || f.firedAt >= last.firedAt) lastFires.value = new Map(lastFires.value).set(f.scheduleId, f);
    if (selectedId.value === f.scheduleId && !fires.value.some((x) => fireKey(x) === fireKey(f)))
      fires.value = [f, ...fires.value].slice(0, SCHEDULE_LIMITS.historyMax);
  }

  async function loadLastFires(list: readonly Schedule[]): Promise<void> {
    const ids = list
      .filter((s) => s.fireCount > 0)
      .slice(0, LAST_FIRE_READS)
      .map((s) => s.id);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        const body = await api
          .get<{ fires: ScheduleFire[] }>(`${path(id)}/fires`, { limit: 1 })
          .catch(() => null);
        const f = body?.fires[0];
        if (f) recordFire(f);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LAST_FIRE_CONCURRENCY, ids.length) }, worker));
  }

  async function refreshList(): Promise<void> {
    const { schedules } = await api.get<{ schedules: Schedule[] }>("/schedules");
    items.value = sortSchedules(schedules.filter((s) => !deleted.has(s.id)));
    loaded.value = true;
  }

  async function load(): Promise<void> {
    await refreshList();
    await loadLastFires(items.value);
    if (selectedId.value) await select(selectedId.value);
  }

  async function select(id: string | null): Promise<void> {
    if (id !== selectedId.value) fires.value = [];
    selectedId.value = id;
    if (id === null) return;
    const body = await api.get<{ schedule: Schedule; fires: ScheduleFire[] }>(path(id));
    if (selectedId.value !== id) return;
    upsert(body.schedule);
    fires.value = body.fires;
    const newest = body.fires[0];
    if (newest) recordFire(newest);
  }

  /** Runs one action at a time; `run` answers the toast, an error toast for a throw. */
  async function act(s: Schedule, run: () => Promise<string | ["error", string]>): Promise<boolean> {
    if (busy.value !== null) return false;
    busy.value = s.id;
    try {
      const said = await run();
      if (Array.isArray(said)) notices.toast(...said);
      else notices.toast("ok", said);
      return !Array.isArray(said);
    } catch (err) {
      notices.toast("error", errorText(err));
      return false;
    } finally {
      busy.value = null;
    }
  }

  return {
    items,
    loaded,
    lastFires,
    selectedId,
    fires,
    busy,
    load,
    select,
    apply(batch) {
      const fired: ScheduleFire[] = [];
      for (const e of batch) {
        if (e.type === "schedule:created" || e.type === "schedule:updated") upsert(e.schedule);
        else if (e.type === "schedule:deleted") drop(e.scheduleId);
        else if (e.type === "schedule:fired") fired.push(e.fire);
      }
      for (const f of fired) recordFire(f);
      // Fire count and next fire live on the schedule: re-read the list if no update carried them.
      const stale = fired.some((f) => {
        const held = items.value.find((x) => x.id === f.scheduleId);
        return held !== undefined && f.outcome !== "missed" && (held.lastFiredAt ?? "") < f.firedAt;
      });
      if (stale && catchUp === null)
        catchUp = setTimeout(() => {
          catchUp = null;
          void refreshList().catch(() => {});
        }, CATCH_UP_MS);
    },
    dispose() {
      if (catchUp !== null) clearTimeout(catchUp);
      catchUp = null;
    },
    async save(body, id) {
      let s: Schedule;
      if (id === undefined) s = await api.post<Schedule>("/schedules", body);
      else s = await api.patch<Schedule>(path(id), body);
      upsert(s);
      return s;
    },
    setEnabled: (s, enabled) =>
      act(s, async () => {
        upsert(await api.patch<Schedule>(path(s.id), { enabled }));
        return `${enabled ? "Resumed" : "Paused"} ${s.name}`;
      }),
    fireNow: (s) =>
      act(s, async () => {
        const f = await api.post<ScheduleFire>(`${path(s.id)}/fire`, {});
        recordFire(f);
        if (f.outcome === "sent") return `Fired ${s.name}: sent to ${f.recipients ?? 0} recipient(s)`;
        const why = f.error ? `${f.error.code}: ${f.error.message}` : f.outcome;
        return ["error", `Fired ${s.name} but it was ${f.outcome} (${why})`];
      }),
    async remove(s) {
      const ok = await notices.confirm({
        title: `Delete schedule ${s.name}?`,
        body: `It never fires again (${s.description}, to ${s.target}) and its history of ${s.fireCount} fire(s) is deleted. Messages it already sent stay delivered. This cannot be undone.`,
        confirmLabel: "Delete schedule",
      });
      if (!ok) return false;
      return act(s, async () => {
        await api.del(path(s.id));
        drop(s.id);
        return `Deleted schedule ${s.name}`;
      });
    },
  };
}

import type { SchedulePreview } from "@cc2cc/shared";
import { type Ref, ref, type ShallowRef, shallowRef } from "vue";
import { type Api, ApiError } from "../lib/api";

/** How many upcoming fires the form shows. */
export const PREVIEW_COUNT = 5;

export interface PreviewState {
  readonly preview: Readonly<ShallowRef<SchedulePreview | null>>;
  /** The hub's refusal of the expression (VALIDATION naming the accepted forms), or a failure. */
  readonly error: Readonly<Ref<ApiError | null>>;
  readonly pending: Readonly<Ref<boolean>>;
  /** Ask again for this expression and zone, after `debounceMs` without another call. */
  request(expression: string, timezone?: string): void;
  dispose(): void;
}

/**
 * The next fire times of the expression being typed, read from the hub
 * (`POST /api/schedules/preview`) so the form shows exactly what the scheduler will do. Calls
 * are debounced, and only the answer to the latest request is shown: a slow answer for an
 * older expression never overwrites a newer one.
 */
export function createPreview(api: Api, debounceMs = 300): PreviewState {
  const preview = shallowRef<SchedulePreview | null>(null);
  const error = ref<ApiError | null>(null);
  const pending = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  async function run(id: number, expression: string, timezone: string | undefined): Promise<void> {
    try {
      const body = { expression, count: PREVIEW_COUNT, ...(timezone ? { timezone } : {}) };
      const answer = await api.post<SchedulePreview>("/schedules/preview", body);
      if (id !== seq) return;
      preview.value = answer;
      error.value = null;
    } catch (err) {
      if (id !== seq) return;
      preview.value = null;
      error.value = err instanceof ApiError ? err : new ApiError("INTERNAL", String(err), 0);
    } finally {
      if (id === seq) pending.value = false;
    }
  }

  function cancel(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  return {
    preview,
    error,
    pending,
    request(expression, timezone) {
      cancel();
      const id = ++seq;
      const expr = expression.trim();
      if (expr === "") {
        preview.value = null;
        error.value = null;
        pending.value = false;
        return;
      }
      pending.value = true;
      timer = setTimeout(() => {
        timer = null;
        void run(id, expr, timezone?.trim() || undefined);
      }, debounceMs);
    },
    dispose() {
      cancel();
      seq++;
    },
  };
}

/** "Mon 2030-03-04 09:00" in `timezone` (the schedule's, not the browser's); ISO if unknown. */
export function zoneTime(iso: string, timezone: string): string {
  try {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(iso));
    const p = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? "";
    return `${p("weekday")} ${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")}`;
  } catch {
    return iso;
  }
}

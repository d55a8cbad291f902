import type { Message, MessageRecord } from "@cc2cc/shared";
import { type Ref, ref, watch } from "vue";
import type { AppState } from "../app-state";
import { ApiError, enc } from "../lib/api";

export interface DeliveryRow {
  instanceId: string;
  state: string;
  at: string | null;
  ackAt: string | null;
  /** Send → ack, ms. */
  latencyMs: number | null;
}

/** Per recipient: the engine's state (while it keeps it), merged with the history's ack times. */
export function deliveryRows(record: MessageRecord): DeliveryRow[] {
  const sentAt = Date.parse(record.message.timestamp);
  const acks = new Map(record.acks.map((a) => [a.instanceId, a.at]));
  const byStatus = new Map((record.status?.recipients ?? []).map((r) => [r.instanceId, r]));
  const ids = [...new Set([...record.recipients, ...byStatus.keys()])];
  return ids.map((instanceId) => {
    const s = byStatus.get(instanceId);
    const ackAt = acks.get(instanceId) ?? null;
    return {
      instanceId,
      state: s?.state ?? (ackAt ? "acknowledged" : "unknown"),
      at: s?.at ?? null,
      ackAt,
      latencyMs: ackAt ? Date.parse(ackAt) - sentAt : null,
    };
  });
}

/** Loads one message's record from the hub's history; refreshes on demand (acks arrive later). */
export function useMessageRecord(app: AppState, messageId: Ref<string | null>) {
  const record = ref<MessageRecord | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);

  async function load(): Promise<void> {
    const id = messageId.value;
    if (!id) {
      record.value = null;
      return;
    }
    loading.value = true;
    try {
      const r = await app.api.get<MessageRecord>(`/history/messages/${enc(id)}`);
      if (messageId.value === id) {
        record.value = r;
        error.value = null;
      }
    } catch (err) {
      if (messageId.value === id) {
        record.value = null;
        error.value = err instanceof ApiError ? err.message : String(err);
      }
    } finally {
      loading.value = false;
    }
  }
  watch(messageId, load, { immediate: true });
  return { record, error, loading, reload: load };
}

export type { Message };

import type { DeadLetter } from "@cc2cc/shared";
import { type Ref, ref, type ShallowRef, shallowRef } from "vue";
import { type Api, ApiError, enc } from "../lib/api";
import { shortId } from "../lib/format";
import type { Notices } from "./use-notices";

/** How many dead letters the inspector lists (the hub keeps at most 1,000 per instance). */
export const DEAD_LETTER_LIMIT = 200;

export interface DeadLetters {
  readonly instanceId: Readonly<Ref<string | null>>;
  /** Oldest first, as the hub lists them. */
  readonly items: Readonly<ShallowRef<readonly DeadLetter[]>>;
  readonly loaded: Readonly<Ref<boolean>>;
  /** The message id a replay or discard is under way for (its buttons are disabled). */
  readonly busy: Readonly<Ref<string | null>>;
  load(instanceId?: string | null): Promise<void>;
  replay(messageId: string): Promise<boolean>;
  discard(messageId: string): Promise<boolean>;
}

/** Why a message was moved aside, in the operator's words. */
export function reasonText(d: Pick<DeadLetter, "reason" | "deliveries">): string {
  const times = `${d.deliveries} deliver${d.deliveries === 1 ? "y" : "ies"}`;
  return d.reason === "expired"
    ? `expired before it was acknowledged (${times})`
    : `handed out ${d.deliveries}× without an ack`;
}

export function errorText(err: unknown): string {
  return err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
}

/**
 * The dead letters of one instance, with Replay (back to the end of its queue, delivery count
 * reset) and Discard (confirmed: the message is gone for good). Every action reloads the list,
 * also when it fails (another operator may have replayed or discarded it first), and then
 * tells `onChanged` so the counts around it are read again.
 */
export function createDeadLetters(
  api: Api,
  notices: Pick<Notices, "confirm" | "toast">,
  onChanged: () => void | Promise<void> = () => {},
): DeadLetters {
  const instanceId = ref<string | null>(null);
  const items = shallowRef<readonly DeadLetter[]>([]);
  const loaded = ref(false);
  const busy = ref<string | null>(null);

  async function load(id: string | null = instanceId.value): Promise<void> {
    if (id !== instanceId.value) {
      instanceId.value = id;
      items.value = [];
      loaded.value = false;
    }
    if (id === null) return;
    const { deadLetters } = await api.get<{ deadLetters: DeadLetter[] }>(
      `/instances/${enc(id)}/dead-letters`,
      {
        limit: DEAD_LETTER_LIMIT,
      },
    );
    // The operator may have switched to another instance while this was on its way.
    if (instanceId.value !== id) return;
    items.value = deadLetters;
    loaded.value = true;
  }

  async function act(
    id: string | null,
    messageId: string,
    run: (id: string) => Promise<string>,
  ): Promise<boolean> {
    if (id === null || busy.value !== null) return false;
    busy.value = messageId;
    try {
      notices.toast("ok", await run(id));
      return true;
    } catch (err) {
      notices.toast("error", errorText(err));
      return false;
    } finally {
      if (instanceId.value === id) await load(id).catch(() => {});
      busy.value = null;
      await Promise.resolve()
        .then(onChanged)
        .catch(() => {});
    }
  }

  return {
    instanceId,
    items,
    loaded,
    busy,
    load,
    replay: (messageId) =>
      act(instanceId.value, messageId, async (id) => {
        await api.post(`/instances/${enc(id)}/dead-letters/${enc(messageId)}/replay`, {});
        return `Replayed to the end of ${shortId(id)}'s queue`;
      }),
    async discard(messageId) {
      const id = instanceId.value;
      const letter = items.value.find((d) => d.message.id === messageId);
      if (id === null || busy.value !== null) return false;
      const ok = await notices.confirm({
        title: "Discard this dead letter?",
        body: `The ${letter?.message.type ?? "message"} from ${letter ? shortId(letter.message.from) : "its sender"} to ${shortId(id)} is deleted and never delivered. This cannot be undone.`,
        confirmLabel: "Discard message",
      });
      if (!ok) return false;
      // The instance asked about, even if the inspector moved on while the dialog was open.
      return act(id, messageId, async (inst) => {
        await api.del(`/instances/${enc(inst)}/dead-letters/${enc(messageId)}`);
        return `Discarded a dead letter of ${shortId(inst)}`;
      });
    },
  };
}

import { type MessageType, parseAddress, type SendResult, type TopicInfo } from "@cc2cc/shared";
import { computed, type Ref, ref } from "vue";
import type { AppState } from "../app-state";
import { ApiError } from "../lib/api";

export interface SendDraft {
  to: string;
  type: MessageType;
  content: string;
  persistent: boolean;
  replyTo: string | null;
}

/** A draft answering `m`: to its sender, with `replyTo`; a task or question is answered with a result. */
export function replyDraft(d: SendDraft, m: { id: string; from: string; type: MessageType }): SendDraft {
  return {
    ...d,
    to: m.from,
    replyTo: m.id,
    type: m.type === "task" || m.type === "question" ? "result" : d.type,
  };
}

/** What the result of a send means, in one line for a toast. */
export function describeResult(to: string, r: SendResult): string {
  const refused = r.refused?.length
    ? `; refused by ${r.refused.length} (${r.refused.map((x) => x.code).join(", ")})`
    : "";
  if (r.recipients.length > 0)
    return `Queued for ${r.recipients.length} instance${r.recipients.length === 1 ? "" : "s"}${refused}`;
  if (r.liveRecipients !== undefined)
    return `Sent live to ${r.liveRecipients} online instance${r.liveRecipients === 1 ? "" : "s"} (${to})`;
  return `Sent to ${to}`;
}

/**
 * The send bar's state: a draft addressed to an instance, `role:`, `topic:` (optionally
 * persistent) or `broadcast`, sent as the operator through `POST /api/messages`.
 */
export function useSend(app: AppState, draft: Ref<SendDraft>) {
  const sending = ref(false);
  const topics = ref<string[]>([]);
  const valid = computed(
    () => parseAddress(draft.value.to.trim()) !== null && draft.value.content.trim() !== "",
  );
  const isTopic = computed(() => draft.value.to.trim().startsWith("topic:"));
  const suggestions = computed(() => {
    const ids = app.instances.list.value.filter((i) => i.online).map((i) => i.instanceId);
    const roles = [...new Set(app.instances.list.value.map((i) => i.role).filter((r): r is string => !!r))];
    return ["broadcast", ...roles.map((r) => `role:${r}`), ...topics.value.map((t) => `topic:${t}`), ...ids];
  });

  async function loadTopics(): Promise<void> {
    const res = await app.api.get<{ topics: TopicInfo[] }>("/topics").catch(() => null);
    if (res) topics.value = res.topics.map((t) => t.name);
  }

  async function send(): Promise<boolean> {
    if (!valid.value || sending.value) return false;
    const d = draft.value;
    const to = d.to.trim();
    sending.value = true;
    try {
      const result = await app.api.post<SendResult>("/messages", {
        to,
        type: d.type,
        content: d.content,
        ...(d.replyTo ? { replyTo: d.replyTo } : {}),
        ...(isTopic.value && d.persistent ? { persistent: true } : {}),
      });
      app.notices.toast("ok", describeResult(to, result));
      draft.value = { ...d, content: "", replyTo: null };
      return true;
    } catch (err) {
      app.notices.toast("error", err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
      return false;
    } finally {
      sending.value = false;
    }
  }

  return { sending, valid, isTopic, suggestions, loadTopics, send };
}

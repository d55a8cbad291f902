import {
  HISTORY_LIMITS,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
  type HubEvent,
  type MessageRecord,
  type ReplicaRecord,
  type ThreadDetail,
  type ThreadPage,
  type ThreadQuery,
} from "@cc2cc/shared";
import { SLOT_MS } from "./aggregates.js";
import { parentsToLookUp, planAppend } from "./append-plan.js";
import type { HistoryOptions, HistoryStore, SlotCounts } from "./history-store.js";
import { compareEntryIds, entryParts, matchesQuery } from "./query-match.js";
import { pageThreads, recordOf, type ThreadState } from "./thread-page.js";

interface Indexed {
  entry: HistoryEntry & { event: Extract<HubEvent, { type: "message:sent" }> };
  rootId: string;
  acks: Map<string, number>;
}

/** The history of the in-process engine: one replica, nothing kept across a restart. */
export function createMemoryHistory(opts: HistoryOptions, clock: () => number = Date.now): HistoryStore {
  const log: HistoryEntry[] = [];
  const byMessage = new Map<string, Indexed>();
  const threads = new Map<string, ThreadState>();
  const slots = new Map<number, Map<string, number>>();
  const replicas = new Map<string, { record: ReplicaRecord; until: number }>();
  let lastMs = 0;
  let seq = 0;

  const nextId = (): string => {
    const now = Math.max(clock(), lastMs);
    seq = now === lastMs ? seq + 1 : 0;
    lastMs = now;
    return `${now}-${seq}`;
  };

  const trim = async (): Promise<void> => {
    const cutoff = clock() - opts.maxAgeMs;
    let drop = Math.max(0, log.length - opts.maxLen);
    while (drop < log.length && entryParts(log[drop]!.id)[0] < cutoff) drop++;
    for (const { event } of log.splice(0, drop)) {
      if (event.type === "message:sent") byMessage.delete(event.message.id);
    }
    for (const [root, t] of threads) if (t.lastAt < cutoff) threads.delete(root);
    for (const slot of slots.keys()) if (slot + SLOT_MS < cutoff) slots.delete(slot);
    for (const [name, r] of replicas) if (r.until < clock()) replicas.delete(name);
  };

  return {
    kind: "memory",
    async append(events) {
      const known = new Map<string, string>();
      for (const parent of parentsToLookUp(events)) {
        const root = byMessage.get(parent)?.rootId;
        if (root !== undefined) known.set(parent, root);
      }
      const plan = planAppend(events, known);
      const entries = events.map((event) => ({ id: nextId(), event }));
      log.push(...entries);
      for (const m of plan.messages) {
        const entry = entries[m.index] as Indexed["entry"];
        byMessage.set(m.messageId, { entry, rootId: m.rootId, acks: new Map() });
        const t = threads.get(m.rootId) ?? { lastAt: 0, replies: [], participants: new Set<string>() };
        t.lastAt = Math.max(t.lastAt, m.atMs);
        for (const p of m.participants) t.participants.add(p);
        if (m.rootId !== m.messageId)
          t.replies = [...t.replies, m.messageId].slice(-HISTORY_LIMITS.threadMessagesMax);
        threads.set(m.rootId, t);
      }
      for (const a of plan.acks) byMessage.get(a.messageId)?.acks.set(a.instanceId, a.atMs);
      for (const { slot, field } of plan.increments) {
        const fields = slots.get(slot) ?? new Map<string, number>();
        fields.set(field, (fields.get(field) ?? 0) + 1);
        slots.set(slot, fields);
      }
      if (log.length > opts.maxLen) await trim();
    },
    trim,
    async list(q: HistoryQuery): Promise<HistoryPage> {
      const entries: HistoryEntry[] = [];
      let i = log.length - 1;
      const upper = q.cursor ?? (q.until !== undefined ? `${q.until}-0` : undefined);
      if (upper !== undefined) while (i >= 0 && compareEntryIds(log[i]!.id, upper) >= 0) i--;
      if (q.cursor !== undefined && q.until !== undefined) {
        while (i >= 0 && entryParts(log[i]!.id)[0] >= q.until) i--;
      }
      let scanned = 0;
      for (; i >= 0 && scanned < HISTORY_LIMITS.scanBudget && entries.length < q.limit; i--) {
        const entry = log[i]!;
        if (q.since !== undefined && entryParts(entry.id)[0] < q.since)
          return { entries, next: null, scanned };
        scanned++;
        if (matchesQuery(entry.event, q)) entries.push(entry);
      }
      const last = log[i + 1];
      return { entries, next: i >= 0 && last ? last.id : null, scanned };
    },
    async message(messageId) {
      const m = byMessage.get(messageId);
      return m ? recordOf(m.entry, m.rootId, m.acks) : null;
    },
    async threads(q: ThreadQuery): Promise<ThreadPage> {
      return pageThreads(threads, q, (id) => byMessage.get(id)?.entry.event.message ?? null);
    },
    async thread(rootId): Promise<ThreadDetail | null> {
      const t = threads.get(rootId);
      if (!t) return null;
      const messages: Array<Omit<MessageRecord, "status">> = [];
      for (const id of [rootId, ...t.replies]) {
        const m = byMessage.get(id);
        if (m) messages.push(recordOf(m.entry, m.rootId, m.acks));
      }
      return { rootId, messages: messages.map((m) => ({ ...m, status: null })) };
    },
    async slots(fromSlot, toSlot): Promise<SlotCounts[]> {
      return [...slots]
        .filter(([slot]) => slot >= fromSlot && slot <= toSlot)
        .map(([slot, fields]) => ({ slot, fields: Object.fromEntries(fields) }));
    },
    async putReplica(record, ttlMs) {
      replicas.set(record.replica, { record, until: clock() + ttlMs });
    },
    async replicas() {
      const now = clock();
      return [...replicas.values()]
        .filter((r) => r.until >= now)
        .map((r) => r.record)
        .sort((a, b) => a.replica.localeCompare(b.replica));
    },
    async close() {},
  };
}

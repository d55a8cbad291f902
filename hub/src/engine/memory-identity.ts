import { Cc2ccError, type InstanceInfo } from "@cc2cc/shared";
import type { RegisterInput, RegisterResult } from "./engine.js";
import { migrate } from "./memory-migrate.js";
import {
  type InstanceRecord,
  isOnline,
  type MemoryStore,
  requeueRecord,
  sortedIds,
  toInfo,
} from "./memory-state.js";
import { dropSubscriptions } from "./memory-topics.js";

function newRecord(id: string, secretHash: string, now: number): InstanceRecord {
  return {
    id,
    secretHash,
    role: null,
    holder: null,
    replica: null,
    presenceUntil: 0,
    registeredAt: now,
    lastSeen: now,
    lastWrite: now,
    pending: [],
    processing: [],
    meta: new Map(),
    dead: [],
    topics: new Set(),
  };
}

export function createIdentityOps(store: MemoryStore) {
  function mustGet(instanceId: string): InstanceRecord {
    const rec = store.instances.get(instanceId);
    if (!rec) throw new Cc2ccError("NOT_FOUND", `unknown instance ${instanceId}`);
    return rec;
  }

  return {
    async register(input: RegisterInput): Promise<RegisterResult> {
      const now = store.now();
      const existing = store.instances.get(input.instanceId);
      if (existing && isOnline(store, existing) && existing.secretHash !== input.secretHash) {
        throw new Cc2ccError("ID_IN_USE", `${input.instanceId} is live in another process`);
      }
      const from = input.migrateFrom;
      const old =
        from && from.instanceId !== input.instanceId ? store.instances.get(from.instanceId) : undefined;
      if (old && from && old.secretHash !== from.secretHash) {
        throw new Cc2ccError("FORBIDDEN", `not the owner of ${from.instanceId}`);
      }
      // Every check is done: from here on nothing can fail half-way.
      const rec = existing ?? newRecord(input.instanceId, input.secretHash, now);
      store.instances.set(rec.id, rec);
      const requeued = requeueRecord(rec);
      const migrated = old ? migrate(store, rec, old, input.role !== undefined) : undefined;
      if (input.role !== undefined) rec.role = input.role;
      rec.secretHash = input.secretHash;
      rec.holder = input.connId;
      rec.replica = input.replica;
      rec.presenceUntil = now + store.opts.presenceTtlMs;
      rec.lastSeen = now;
      return {
        instance: toInfo(store, rec),
        topics: sortedIds(rec.topics),
        created: existing === undefined,
        requeued,
        ...(migrated ? { migrated } : {}),
      };
    },

    async heartbeat(held: ReadonlyArray<{ instanceId: string; connId: string }>): Promise<string[]> {
      const now = store.now();
      const lost: string[] = [];
      for (const { instanceId, connId } of held) {
        const rec = store.instances.get(instanceId);
        if (rec?.holder !== connId) {
          lost.push(instanceId);
          continue;
        }
        rec.presenceUntil = now + store.opts.presenceTtlMs;
        rec.lastSeen = now;
      }
      return lost;
    },

    async disconnect(instanceId: string, connId: string): Promise<boolean> {
      const rec = store.instances.get(instanceId);
      if (rec?.holder !== connId) return false;
      rec.holder = null;
      rec.lastSeen = store.now();
      requeueRecord(rec);
      return true;
    },

    async getInstance(instanceId: string): Promise<InstanceInfo | null> {
      const rec = store.instances.get(instanceId);
      return rec ? toInfo(store, rec) : null;
    },

    async listInstances(): Promise<InstanceInfo[]> {
      return sortedIds(store.instances.keys()).map((id) => toInfo(store, store.instances.get(id)!));
    },

    async setRole(instanceId: string, role: string | null): Promise<InstanceInfo> {
      const rec = mustGet(instanceId);
      rec.role = role;
      return toInfo(store, rec);
    },

    async removeInstance(instanceId: string): Promise<void> {
      const rec = mustGet(instanceId);
      if (isOnline(store, rec)) throw new Cc2ccError("CONFLICT", `${instanceId} is online`);
      dropSubscriptions(store, rec);
      store.instances.delete(instanceId);
    },
  };
}

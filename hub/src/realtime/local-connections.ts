import type { DeliveryPump } from "../core/delivery-pump.js";
import type { PluginSocket } from "./socket-types.js";

const NONE: readonly string[] = Object.freeze([]);

interface Held {
  socket: PluginSocket;
  pump: DeliveryPump;
}

/** The plugin connections this replica holds, one per instance id, each with its pump. */
export class LocalConnections {
  private readonly byInstance = new Map<string, Held>();

  /** Returns the connection this one replaced, if any (a stale socket of the same id). */
  add(instanceId: string, socket: PluginSocket, pump: DeliveryPump): Held | undefined {
    const previous = this.byInstance.get(instanceId);
    this.byInstance.set(instanceId, { socket, pump });
    return previous?.socket === socket ? undefined : previous;
  }

  /** Forget the connection only if it is still the one held (a newer one may have replaced it). */
  remove(instanceId: string, socket: PluginSocket): void {
    if (this.byInstance.get(instanceId)?.socket === socket) this.byInstance.delete(instanceId);
  }

  get(instanceId: string): Held | undefined {
    return this.byInstance.get(instanceId);
  }

  /** Wakes the pumps held here; returns the ids held elsewhere (or nowhere), for other replicas. */
  wake(instanceIds: readonly string[]): readonly string[] {
    let away: string[] | undefined;
    for (const id of instanceIds) {
      const held = this.byInstance.get(id);
      if (held) held.pump.wake();
      else if (away) away.push(id);
      else away = [id];
    }
    return away ?? NONE;
  }

  wakeAll(): void {
    for (const held of this.byInstance.values()) held.pump.wake();
  }

  held(): Array<{ instanceId: string; connId: string }> {
    return [...this.byInstance].map(([instanceId, h]) => ({ instanceId, connId: h.socket.id }));
  }

  all(): Held[] {
    return [...this.byInstance.values()];
  }

  get size(): number {
    return this.byInstance.size;
  }
}

import { setTimeout as sleep } from "node:timers/promises";
import type { HubEvent, MessagesFrame, PingFrame } from "@cc2cc/shared";
import type { Fanout } from "../core/fanout.js";
import { DashboardPresence } from "./dashboard-presence.js";
import { type DashboardNamespace, instanceRoom, type PluginNamespace, topicRoom } from "./socket-types.js";

export interface EventBatchOptions {
  /** Dashboard events wait at most this long to travel together. */
  windowMs: number;
  /** A batch this long (events) or this large (approximate bytes) leaves at once. */
  maxEvents: number;
  maxBytes: number;
}

/** A dashboard reads a feed: a tenth of a second is not seen, a publish per message is paid. */
const EVENT_BATCH: EventBatchOptions = { windowMs: 100, maxEvents: 500, maxBytes: 1 << 20 };
/** A plugin reconnects within a few hundred milliseconds (its client's backoff starts there). */
const PING_RETRY_MS = 100;

/**
 * Fanout over socket.io rooms. Sockets, topics and dashboards reach other replicas through the
 * adapter. Dashboard events leave in `hub_events` arrays, one per replica per window, because
 * through the adapter every emit is a PUBLISH that every other replica decodes. Queue wake-ups
 * are served here when this replica holds the instance; only the rest go to the other replicas
 * with `serverSideEmit`, coalesced per tick, and each replica wakes only the pumps it holds.
 */
export class SocketFanout implements Fanout {
  private wakes = new Set<string>();
  private wakeScheduled = false;
  private events: HubEvent[] = [];
  private eventBytes = 0;
  private eventTimer: NodeJS.Timeout | null = null;
  private serverClosed = false;
  private readonly batch: EventBatchOptions;
  private readonly presence: DashboardPresence;

  /** `wakeLocal` wakes the pumps this replica holds and returns the ids it does not hold. */
  constructor(
    private readonly plugin: PluginNamespace,
    private readonly dashboard: DashboardNamespace,
    private readonly clustered: boolean,
    private readonly wakeLocal: (instanceIds: readonly string[]) => readonly string[],
    batch: Partial<EventBatchOptions> = {},
  ) {
    this.batch = { ...EVENT_BATCH, ...batch };
    this.presence = new DashboardPresence(dashboard, clustered);
    if (clustered) plugin.on("wake", (ids: string[]) => void this.wakeLocal(ids));
    // What is still collected when the server closes goes out while the adapter can still send.
    dashboard.server.httpServer?.once("close", () => {
      this.flushEvents();
      this.serverClosed = true;
      this.presence.stop();
    });
  }

  /**
   * A local hold may be stale for a moment (the instance reconnected to another replica and this
   * one has not noticed): then only the stale pump wakes, its claim fails NOT_HOLDER, and the new
   * holder finds the message at its next wake-up or heartbeat (`wakeAll`), at worst one interval.
   */
  wake(instanceIds: readonly string[]): void {
    const away = this.wakeLocal(instanceIds);
    if (!this.clustered || away.length === 0) return;
    for (const id of away) this.wakes.add(id);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(this.flushWakes);
  }

  private readonly flushWakes = (): void => {
    this.wakeScheduled = false;
    if (this.wakes.size === 0) return;
    const ids = [...this.wakes];
    this.wakes.clear();
    this.plugin.serverSideEmit("wake", ids);
  };

  live(
    target: { kind: "all" } | { kind: "topic"; topic: string },
    frame: MessagesFrame,
    except: string,
  ): void {
    const base = target.kind === "all" ? this.plugin : this.plugin.to(topicRoom(target.topic));
    base.except(instanceRoom(except)).emit("messages", frame);
  }

  event(e: HubEvent): void {
    // No dashboard on any replica: nobody to tell (a new one is announced before its connect).
    if (!this.presence.any()) return;
    this.events.push(e);
    this.eventBytes += approxBytes(e);
    if (
      this.serverClosed ||
      this.events.length >= this.batch.maxEvents ||
      this.eventBytes >= this.batch.maxBytes
    ) {
      this.flushEvents();
    } else if (this.eventTimer === null) {
      this.eventTimer = setTimeout(this.flushEvents, this.batch.windowMs);
      this.eventTimer.unref();
    }
  }

  private readonly flushEvents = (): void => {
    if (this.eventTimer !== null) clearTimeout(this.eventTimer);
    this.eventTimer = null;
    if (this.events.length === 0) return;
    const batch = this.events;
    this.events = [];
    this.eventBytes = 0;
    this.dashboard.emit("hub_events", batch);
  };

  /**
   * An instance stays online while its plugin moves to another replica (its old replica died or
   * is shutting down) and from its registration until its socket joins its room. Asked then, no
   * replica has a socket for it and the adapter answers with nothing at once. Asking again
   * until the time is up keeps "did not answer within timeoutMs" true. The frame reaches a
   * plugin at most once: a socket that took it ends the loop, answered or timed out.
   */
  async ping(instanceId: string, frame: PingFrame, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (let left = timeoutMs; left > 0; left = deadline - performance.now()) {
      try {
        const answers = await this.plugin
          .to(instanceRoom(instanceId))
          .timeout(left)
          .emitWithAck("ping", frame);
        if (answers.length > 0) return true;
      } catch {
        return false; // a socket took it and did not answer in time
      }
      await sleep(Math.min(PING_RETRY_MS, deadline - performance.now()));
    }
    return false;
  }

  dropTopic(topic: string): void {
    this.plugin.in(topicRoom(topic)).socketsLeave(topicRoom(topic));
  }
}

/** Message content dominates an event's size; the rest is a few hundred bytes. */
function approxBytes(e: HubEvent): number {
  return e.type === "message:sent" ? 400 + e.message.content.length : 300;
}

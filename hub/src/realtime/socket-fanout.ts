import type { HubEvent, MessagesFrame, PingFrame } from "@cc2cc/shared";
import type { Fanout } from "../core/fanout.js";
import { type DashboardNamespace, instanceRoom, type PluginNamespace, topicRoom } from "./socket-types.js";

/**
 * Fanout over socket.io rooms. Sockets, topics and dashboards reach other replicas through the
 * adapter; queue wake-ups go to the other replicas with `serverSideEmit`, coalesced per tick,
 * and each replica wakes only the pumps it holds.
 */
export class SocketFanout implements Fanout {
  private pending = new Set<string>();
  private flushScheduled = false;

  constructor(
    private readonly plugin: PluginNamespace,
    private readonly dashboard: DashboardNamespace,
    private readonly clustered: boolean,
    private readonly wakeLocal: (instanceIds: readonly string[]) => void,
  ) {
    if (clustered) plugin.on("wake", (ids: string[]) => this.wakeLocal(ids));
  }

  wake(instanceIds: readonly string[]): void {
    this.wakeLocal(instanceIds);
    if (!this.clustered) return;
    for (const id of instanceIds) this.pending.add(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const ids = [...this.pending];
      this.pending = new Set();
      if (ids.length > 0) this.plugin.serverSideEmit("wake", ids);
    });
  }

  live(
    target: { kind: "all" } | { kind: "topic"; topic: string },
    frame: MessagesFrame,
    except: string,
  ): void {
    const base = target.kind === "all" ? this.plugin : this.plugin.to(topicRoom(target.topic));
    base.except(instanceRoom(except)).emit("messages", frame);
  }

  event(e: HubEvent): void {
    this.dashboard.emit("hub_event", e);
  }

  async ping(instanceId: string, frame: PingFrame, timeoutMs: number): Promise<boolean> {
    try {
      const answers = await this.plugin
        .to(instanceRoom(instanceId))
        .timeout(timeoutMs)
        .emitWithAck("ping", frame);
      return answers.length > 0;
    } catch {
      return false;
    }
  }

  dropTopic(topic: string): void {
    this.plugin.in(topicRoom(topic)).socketsLeave(topicRoom(topic));
  }
}

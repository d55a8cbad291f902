import type { HubEvent, MessagesFrame, PingFrame } from "@cc2cc/shared";

/**
 * What the routing core needs from the realtime layer. The socket.io implementation sends
 * everything through rooms and the Redis adapter, so the core never knows which replica holds
 * which socket.
 */
export interface Fanout {
  /** Tell whichever replica holds these instances that their queues have new messages (this one first). */
  wake(instanceIds: readonly string[]): void;
  /** Live-only delivery to every plugin, or to a topic's subscribers, except the sender. */
  live(
    target: { kind: "all" } | { kind: "topic"; topic: string },
    frame: MessagesFrame,
    except: string,
  ): void;
  /**
   * Stream an event to every dashboard. It may travel later (a fraction of a second) in one
   * array with the replica's other events, in the order they were given here.
   */
  event(e: HubEvent): void;
  /** Round trip through the instance's plugin; resolves false when no answer came in time. */
  ping(instanceId: string, frame: PingFrame, timeoutMs: number): Promise<boolean>;
  /** The topic was deleted: every socket leaves its room. */
  dropTopic(topic: string): void;
}

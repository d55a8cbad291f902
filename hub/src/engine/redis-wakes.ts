import type { Redis } from "ioredis";

type Listener = (instanceId: string) => void;

/**
 * The receiving end of the wake-ups `enqueue-10` publishes on `<prefix>wake:<replica>`: one
 * subscriber connection, made from the engine's own on the first `onWake`. Pub/sub is at most
 * once; a wake-up lost while this connection reconnects is made up by the holder's periodic
 * wake-all. The socket.io adapter cannot address one replica (`serverSideEmit` reaches all),
 * which is why this small channel exists beside it.
 */
export class RedisWakes {
  private sub: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly redis: Redis,
    private readonly channelPrefix: string,
  ) {}

  on(replica: string, listener: Listener): () => void {
    const channel = this.channelPrefix + replica;
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      // Subscribed once per channel; ioredis subscribes again by itself after a reconnect.
      this.connection()
        .subscribe(channel)
        .catch(() => {});
    }
    set.add(listener);
    const mine = set;
    return () => {
      mine.delete(listener);
      if (mine.size > 0 || this.listeners.get(channel) !== mine) return;
      this.listeners.delete(channel);
      this.sub?.unsubscribe(channel).catch(() => {});
    };
  }

  close(): void {
    this.listeners.clear();
    this.sub?.disconnect();
    this.sub = undefined;
  }

  private connection(): Redis {
    if (this.sub) return this.sub;
    // Unlike the command connection, a subscriber waits out an outage instead of failing fast.
    const sub = this.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
    sub.on("error", () => {}); // reconnects by itself; the command connection reports outages
    sub.on("message", (channel: string, instanceId: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(instanceId);
    });
    this.sub = sub;
    return sub;
  }
}

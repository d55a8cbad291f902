import type { Message, MessagesFrame } from "@cc2cc/shared";
import { LIMITS } from "@cc2cc/shared";
import { BoundedSet } from "./bounded-set.js";
import { type ChannelNotification, channelNotification } from "./channel.js";
import type { Logger } from "./log.js";

export interface DeliveryOptions {
  /** Push each message into the session as a channel event; false holds them for get_messages. */
  push: boolean;
  /** Writes one notification to the MCP client; resolves once it is written. */
  notify: (notification: ChannelNotification) => Promise<void>;
  /** Acknowledges ids to the hub. */
  ack: (messageIds: string[]) => Promise<unknown>;
  log: Logger;
  dedupCapacity?: number;
  inboxCapacity?: number;
}

export interface InboxItem {
  message: Message;
  /** True when the message was already pushed into the session as a `<channel>` event. */
  alreadyPushed: boolean;
}

interface InboxEntry extends InboxItem {
  needsAck: boolean;
}

export interface DeliveryStats {
  pushed: number;
  duplicatesDropped: number;
  unread: number;
}

/**
 * Inbound messages, in the order the hub sends them: drop duplicates by id, push each new one
 * into the session, and acknowledge only after the notification was written (a crash before
 * that leaves the message on the hub, which delivers it again). Everything that arrives is
 * also kept in a small inbox that get_messages drains, the fallback when a client does not
 * show channel events.
 */
export class Delivery {
  private readonly seen: BoundedSet;
  private readonly inbox = new Map<string, InboxEntry>();
  private readonly inboxCapacity: number;
  /** First reply seen per message id, for send_and_wait calls that start after it arrived. */
  private readonly replies = new Map<string, Message>();
  private readonly waiters = new Map<string, Set<(reply: Message) => void>>();
  private chain: Promise<void> = Promise.resolve();
  private readonly counters = { pushed: 0, duplicatesDropped: 0 };

  constructor(private readonly opts: DeliveryOptions) {
    this.seen = new BoundedSet(opts.dedupCapacity ?? 10_000);
    this.inboxCapacity = opts.inboxCapacity ?? 500;
  }

  /** Frames are processed strictly one after another so order survives async writes. */
  handleFrame(frame: MessagesFrame): Promise<void> {
    this.chain = this.chain
      .then(() => this.process(frame))
      .catch((err: unknown) => this.opts.log.error("delivery failed", { error: err }));
    return this.chain;
  }

  /** Resolves when every frame received so far has been handled (or after `timeoutMs`). */
  async idle(timeoutMs: number): Promise<void> {
    await Promise.race([this.chain, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  stats(): DeliveryStats {
    return { ...this.counters, unread: this.inbox.size };
  }

  /**
   * get_messages: unread inbox items first (oldest first), then whatever the hub still holds
   * for us, up to `limit`. Everything returned is acknowledged before the result goes out.
   */
  async collect(limit: number, fetchFromHub: (max: number) => Promise<Message[]>): Promise<InboxItem[]> {
    const taken = [...this.inbox.values()].slice(0, limit);
    for (const entry of taken) {
      this.inbox.delete(entry.message.id);
      this.seen.add(entry.message.id);
    }
    const ackIds = taken.filter((e) => e.needsAck).map((e) => e.message.id);
    const items: InboxItem[] = taken.map(({ message, alreadyPushed }) => ({ message, alreadyPushed }));
    if (items.length < limit) {
      let fromHub: Message[] = [];
      try {
        fromHub = await fetchFromHub(limit - items.length);
      } catch (err) {
        // Unread local items are still worth returning; with none, the caller sees the error.
        if (items.length === 0) throw err;
      }
      for (const message of fromHub) {
        ackIds.push(message.id);
        if (this.seen.has(message.id)) continue;
        this.seen.add(message.id);
        this.recordReply(message);
        items.push({ message, alreadyPushed: false });
      }
    }
    if (ackIds.length > 0) await this.sendAck(ackIds);
    return items;
  }

  /** The first reply to `messageId`, or null after `timeoutMs` or when `signal` aborts. */
  waitForReply(messageId: string, timeoutMs: number, signal?: AbortSignal): Promise<Message | null> {
    const known = this.replies.get(messageId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiters.get(messageId) ?? new Set();
      this.waiters.set(messageId, set);
      const finish = (reply: Message | null) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        set.delete(onReply);
        if (set.size === 0) this.waiters.delete(messageId);
        resolve(reply);
      };
      const onReply = (reply: Message) => finish(reply);
      const onAbort = () => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      set.add(onReply);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private async process(frame: MessagesFrame): Promise<void> {
    const ackIds: string[] = [];
    for (const message of frame.messages) {
      if (this.seen.has(message.id) || (this.inbox.has(message.id) && !this.opts.push)) {
        this.counters.duplicatesDropped++;
        // A duplicate means our earlier ack got lost; ack again so the hub can let go. In poll
        // mode an unread duplicate stays unacked until get_messages returns it.
        if (frame.requiresAck && this.seen.has(message.id)) ackIds.push(message.id);
        continue;
      }
      if (this.opts.push) {
        try {
          await this.opts.notify(channelNotification(message));
        } catch (err) {
          // Not written means not acknowledged: the hub keeps it and delivers it again.
          this.opts.log.warn("could not write a channel notification", { messageId: message.id, error: err });
          break;
        }
        this.counters.pushed++;
        this.seen.add(message.id);
        if (frame.requiresAck) ackIds.push(message.id);
      }
      this.keep(message, this.opts.push, frame.requiresAck && !this.opts.push);
      this.recordReply(message);
    }
    if (ackIds.length > 0) await this.sendAck(ackIds);
  }

  private keep(message: Message, alreadyPushed: boolean, needsAck: boolean): void {
    this.inbox.set(message.id, { message, alreadyPushed, needsAck });
    while (this.inbox.size > this.inboxCapacity) {
      const oldest = this.inbox.keys().next().value;
      if (oldest === undefined) break;
      // An unacknowledged one stays on the hub and comes back after the next reconnect.
      this.inbox.delete(oldest);
    }
  }

  private recordReply(message: Message): void {
    if (message.replyTo === undefined) return;
    if (!this.replies.has(message.replyTo)) {
      this.replies.set(message.replyTo, message);
      while (this.replies.size > 1_000) {
        const oldest = this.replies.keys().next().value;
        if (oldest === undefined) break;
        this.replies.delete(oldest);
      }
    }
    for (const wake of [...(this.waiters.get(message.replyTo) ?? [])]) wake(message);
  }

  private async sendAck(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += LIMITS.ackBatchMax) {
      const batch = ids.slice(i, i + LIMITS.ackBatchMax);
      try {
        await this.opts.ack(batch);
      } catch (err) {
        // The hub redelivers unacknowledged messages after a reconnect; dedup drops them then.
        this.opts.log.warn("ack failed; the hub will deliver these again", {
          count: batch.length,
          error: err,
        });
      }
    }
  }
}

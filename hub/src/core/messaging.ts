import {
  BROADCAST,
  Cc2ccError,
  type Message,
  type MessageType,
  type Metadata,
  type SendResult,
} from "@cc2cc/shared";
import { v7 as uuidv7 } from "uuid";
import type { HubConfig } from "../config.js";
import type { Engine, EnqueueResult } from "../engine/engine.js";

type RefusalCode = "UNKNOWN_RECIPIENT" | "QUEUE_FULL" | "RATE_LIMITED";

import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { resolveAddress } from "./address-resolver.js";
import type { HandoverTarget } from "./delivery-pump.js";
import type { Fanout } from "./fanout.js";

export interface OutgoingMessage {
  to: string;
  type: MessageType;
  content: string;
  replyTo?: string | undefined;
  metadata?: Metadata | undefined;
  persistent?: boolean | undefined;
}

/** Hub-internal send options; never read from a client's frame. */
export interface SendOptions {
  /**
   * A caller-chosen message id (the scheduler derives one per planned fire), so that a retried
   * send is the same message: the queue answers a held id without queueing it twice, and the
   * plugin's dedup set drops a second live copy.
   */
  messageId?: string;
}

export interface MessagingDeps {
  engine: Engine;
  fanout: Fanout;
  metrics: Metrics;
  logger: Logger;
  config: Pick<
    HubConfig,
    "maxContentBytes" | "broadcastIntervalMs" | "replica" | "maxHops" | "pairRatePerMinute"
  >;
  /** The pump of a connection this replica holds, if any: it may take a message directly. */
  localPump?: ((instanceId: string) => HandoverTarget | undefined) | undefined;
}

/**
 * Routing of one accepted message: resolve, store (queued kinds) or fan out live, then wake,
 * count and tell dashboards. `from` is always the sender's registered identity.
 */
export class Messaging {
  constructor(private readonly deps: MessagingDeps) {}

  async send(from: string, out: OutgoingMessage, opts: SendOptions = {}): Promise<SendResult> {
    this.checkContent(out.content);
    const resolved = await resolveAddress(this.deps.engine, out.to, from);
    switch (resolved.kind) {
      case "broadcast":
        return this.broadcast(from, out, opts);
      case "topic":
        return this.publish(from, { ...out, topic: resolved.topic }, opts);
      default: {
        const message = { ...this.build(from, out, opts), hops: await this.hops(out.replyTo, from) };
        const { queued, refused } = await this.store(resolved.recipients, message, true);
        this.accepted(message, resolved.kind, queued);
        return { message, recipients: queued, ...(refused.length > 0 ? { refused } : {}) };
      }
    }
  }

  async broadcast(
    from: string,
    out: Omit<OutgoingMessage, "to">,
    opts: SendOptions = {},
  ): Promise<SendResult> {
    this.checkContent(out.content);
    const { engine, metrics, config } = this.deps;
    const limit = await engine.rateLimit(`broadcast:${from}`, 1, config.broadcastIntervalMs);
    if (!limit.allowed) {
      metrics.rateLimited.inc({ kind: "broadcast" });
      metrics.refused.inc({ code: "RATE_LIMITED" });
      throw new Cc2ccError(
        "RATE_LIMITED",
        `one broadcast per ${config.broadcastIntervalMs / 1000}s per sender; retry in ${Math.ceil(limit.retryAfterMs / 1000)}s`,
        { details: { retryAfterMs: limit.retryAfterMs } },
      );
    }
    const message = this.build(from, { ...out, to: BROADCAST }, opts);
    this.deps.fanout.live({ kind: "all" }, { messages: [message], requiresAck: false }, from);
    const liveRecipients = (await engine.listInstances()).filter(
      (i) => i.online && i.instanceId !== from,
    ).length;
    this.accepted(message, "broadcast", [], liveRecipients);
    return { message, recipients: [], liveRecipients };
  }

  async publish(
    from: string,
    out: Omit<OutgoingMessage, "to"> & { topic: string },
    opts: SendOptions = {},
  ): Promise<SendResult> {
    this.checkContent(out.content);
    const { engine, fanout } = this.deps;
    const subscribers = await engine.topicSubscribers(out.topic);
    if (subscribers === null) {
      throw new Cc2ccError("NOT_FOUND", `topic "${out.topic}" does not exist; subscribe to create it`, {
        field: "topic",
      });
    }
    const message: Message = {
      ...this.build(from, { ...out, to: `topic:${out.topic}` }, opts),
      topic: out.topic,
      hops: await this.hops(out.replyTo, from),
    };
    const others = subscribers.filter((id) => id !== from);
    if (out.persistent) {
      const { queued, refused } =
        others.length > 0 ? await this.store(others, message, false) : { queued: [], refused: [] };
      this.accepted(message, "topic", queued);
      return { message, recipients: queued, ...(refused.length > 0 ? { refused } : {}) };
    }
    fanout.live({ kind: "topic", topic: out.topic }, { messages: [message], requiresAck: false }, from);
    const online = new Set((await engine.listInstances()).filter((i) => i.online).map((i) => i.instanceId));
    const liveRecipients = others.filter((id) => online.has(id)).length;
    this.accepted(message, "topic", [], liveRecipients);
    return { message, recipients: [], liveRecipients };
  }

  /**
   * Reply chains are where agents loop: each reply carries its parent's hops + 1, and a chain
   * past the cap is refused. The replier received the parent, so its own receipt holds the
   * parent's hops; a parent it never received, or whose record expired, starts a fresh chain.
   */
  private async hops(replyTo: string | undefined, from: string): Promise<number> {
    if (replyTo === undefined) return 0;
    const hops = ((await this.deps.engine.getHops(replyTo, from)) ?? 0) + 1;
    const max = this.deps.config.maxHops;
    if (hops > max) {
      this.deps.metrics.refused.inc({ code: "HOP_LIMIT" });
      throw new Cc2ccError(
        "HOP_LIMIT",
        `this reply would be hop ${hops} of a chain capped at ${max}; stop replying in this thread or start a new one`,
        { field: "replyTo", details: { hops, maxHops: max } },
      );
    }
    return hops;
  }

  private checkContent(content: string): void {
    const max = this.deps.config.maxContentBytes;
    // A UTF-16 unit is at most 3 UTF-8 bytes: most contents need no byte count at all.
    if (content.length * 3 > max && Buffer.byteLength(content, "utf8") > max) {
      this.deps.metrics.refused.inc({ code: "VALIDATION" });
      throw new Cc2ccError("VALIDATION", `content: must be at most ${max} bytes`, { field: "content" });
    }
  }

  private build(from: string, out: OutgoingMessage, opts: SendOptions = {}): Message {
    return {
      id: opts.messageId ?? uuidv7(),
      from,
      to: out.to,
      type: out.type,
      content: out.content,
      timestamp: new Date().toISOString(),
      ...(out.replyTo !== undefined ? { replyTo: out.replyTo } : {}),
      ...(out.metadata !== undefined ? { metadata: out.metadata } : {}),
    };
  }

  /**
   * Queue for every recipient. A single recipient's refusal is the sender's error; for fan-out
   * (roles, persistent topics) the message counts as accepted when at least one queue took it,
   * and the refused ones are named in the result. Direct and role messages are held to the
   * per-pair cap (messages a minute, sender → recipient), counted by the enqueue itself.
   */
  private async store(
    recipients: string[],
    message: Message,
    pairLimited: boolean,
  ): Promise<{ queued: string[]; refused: Array<{ instanceId: string; code: RefusalCode }> }> {
    const { engine, metrics, fanout, config } = this.deps;
    const offers = this.offers(recipients);
    let result: EnqueueResult | undefined;
    try {
      result = await engine.enqueue(recipients, message, {
        pairLimit: pairLimited ? { perWindow: config.pairRatePerMinute, windowMs: 60_000 } : undefined,
        handover: offers?.connIds,
        replica: config.replica,
      });
    } finally {
      // Settled on failure too: a pump waits for its offers before it claims again.
      if (offers) {
        const handed = result?.handedOver;
        for (const [id, pump] of offers.pumps) pump.settle(handed?.includes(id) ? message : undefined);
      }
    }
    const refused: Array<{ instanceId: string; code: RefusalCode }> = [];
    const limited: Array<{ instanceId: string; code: "RATE_LIMITED" }> = [];
    let retryAfterMs = 0;
    for (const r of result.refused) {
      if (r.code === "RATE_LIMITED") {
        limited.push({ instanceId: r.instanceId, code: r.code });
        retryAfterMs = Math.max(retryAfterMs, r.retryAfterMs);
      } else {
        metrics.refused.inc({ code: r.code });
        refused.push({ instanceId: r.instanceId, code: r.code });
      }
    }
    if (limited.length > 0) metrics.rateLimited.inc({ kind: "pair" }, limited.length);
    if (result.queued.length === 0) {
      if (refused.length === 0 && limited.length > 0) {
        metrics.refused.inc({ code: "RATE_LIMITED" });
        throw new Cc2ccError(
          "RATE_LIMITED",
          `more than ${config.pairRatePerMinute} messages a minute to ${recipients.length === 1 ? recipients[0] : "these recipients"}; if two agents are answering each other in a loop, stop; else retry in ${Math.ceil(retryAfterMs / 1000)}s`,
          { details: { scope: "pair", retryAfterMs, limitPerMinute: config.pairRatePerMinute } },
        );
      }
      const first = refused.find((r) => r.code === "QUEUE_FULL") ?? refused[0];
      if (first?.code === "QUEUE_FULL") {
        throw new Cc2ccError(
          "QUEUE_FULL",
          `the queue of ${first.instanceId} is full; nothing was queued. Wait for it to drain and retry`,
          { details: { instanceId: first.instanceId } },
        );
      }
      throw new Cc2ccError(
        "UNKNOWN_RECIPIENT",
        `${first?.instanceId ?? "recipient"} is not a registered instance; list_instances shows who is there`,
        { field: "to", details: { instanceId: first?.instanceId } },
      );
    }
    // Handed over, or woken by the engine on their holder's replica: nothing left to wake.
    const { handedOver: handed, notified } = result;
    fanout.wake(
      handed || notified
        ? result.queued.filter((id) => !handed?.includes(id) && !notified?.includes(id))
        : result.queued,
    );
    return { queued: result.queued, refused: [...refused, ...limited] };
  }

  /**
   * Idle local pumps of these recipients, each having offered its connection once, and the
   * offered connection ids as the engine takes them.
   */
  private offers(
    recipients: readonly string[],
  ): { pumps: Map<string, HandoverTarget>; connIds: Map<string, string> } | undefined {
    const lookup = this.deps.localPump;
    if (!lookup) return undefined;
    let out: { pumps: Map<string, HandoverTarget>; connIds: Map<string, string> } | undefined;
    for (const id of recipients) {
      const pump = lookup(id);
      if (!pump || out?.pumps.has(id)) continue;
      const connId = pump.offer();
      if (connId === undefined) continue;
      out ??= { pumps: new Map(), connIds: new Map() };
      out.pumps.set(id, pump);
      out.connIds.set(id, connId);
    }
    return out;
  }

  private accepted(message: Message, kind: string, recipients: string[], liveRecipients?: number): void {
    const { engine, metrics, fanout, config, logger } = this.deps;
    metrics.accepted.inc({ type: message.type, kind });
    // The engine sums these in memory; the enqueue already recorded the status.
    engine.countMessage(message.type);
    if (message.replyTo !== undefined) {
      // Bookkeeping after acceptance must not fail the send: the message is already stored.
      engine
        .markReplied(message.replyTo, message.from, message.id)
        .catch((err: unknown) => logger.warn({ err, messageId: message.id }, "bookkeeping failed"));
    }
    fanout.event({
      type: "message:sent",
      at: message.timestamp,
      replica: config.replica,
      message,
      recipients,
      ...(liveRecipients !== undefined ? { liveRecipients } : {}),
    });
  }
}

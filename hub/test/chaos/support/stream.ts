import type { Message } from "@cc2cc/shared";
import type { TestClient } from "../../helpers/test-client.js";
import { Ledger, type Outcome, type Seen } from "./ledger.js";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The metadata key that ties a delivery back to its send. */
export const KEY_FIELD = "chaosKey";

export function seenOf(messages: readonly Message[]): Seen[] {
  return messages.map((m) => {
    const k = m.metadata?.[KEY_FIELD];
    return { id: m.id, key: typeof k === "string" ? k : undefined };
  });
}

export function seenBy(client: TestClient): Seen[] {
  return seenOf(client.deliveries.map((d) => d.message));
}

/**
 * One send whose outcome is known exactly: accepted (with the id), refused (with the code), or
 * unconfirmed when the connection died before the reply. The sender never emits while
 * disconnected, so nothing sits in socket.io's buffer to be sent behind later messages.
 */
export async function trackedSend(
  client: TestClient,
  ledger: Ledger,
  sender: string,
  seq: number,
  to: string,
  timeoutMs = 8000,
): Promise<Outcome> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  while (!client.connected && Date.now() < deadline) await sleep(20);
  let outcome: Outcome;
  if (!client.connected) outcome = { kind: "unconfirmed" };
  else {
    try {
      const reply = await client.request(
        "send_message",
        {
          to,
          type: "task",
          content: `chaos ${sender} #${seq}`,
          metadata: { [KEY_FIELD]: Ledger.key(sender, seq) },
        },
        timeoutMs,
      );
      outcome = reply.ok
        ? { kind: "accepted", id: reply.data.message.id }
        : { kind: "refused", code: reply.error.code };
    } catch {
      outcome = { kind: "unconfirmed" };
    }
  }
  ledger.record(sender, seq, to, outcome);
  ledger.timing(sender, seq, started, Date.now());
  return outcome;
}

/** Reconnect after a server-side disconnect, as the plugin does (socket.io-client does not). */
export function reconnectLikePlugin(client: TestClient): void {
  client.socket.on("disconnect", (reason) => {
    if (reason === "io server disconnect") setTimeout(() => client.socket.connect(), 200);
  });
}

export interface StreamOptions {
  senders: readonly TestClient[];
  recipients: ReadonlyArray<{ instanceId: string }>;
  ledger: Ledger;
  durationMs: number;
  /** Pause between one sender's sends. */
  pauseMs: number;
  /** Hard cap on sends per sender, so a fast box cannot make the run unbounded. */
  maxPerSender: number;
}

/**
 * Every sender streams to recipients in turn until the time or count is up. Per sender the
 * sequence numbers only grow, so per-recipient order can be checked afterwards.
 */
export async function runStream(opts: StreamOptions): Promise<void> {
  const stopAt = Date.now() + opts.durationMs;
  await Promise.all(
    opts.senders.map(async (sender, si) => {
      for (let seq = 0; seq < opts.maxPerSender && Date.now() < stopAt; seq++) {
        const to = opts.recipients[(seq + si) % opts.recipients.length]!;
        await trackedSend(sender, opts.ledger, `s${si}`, seq, to.instanceId);
        if (opts.pauseMs > 0) await sleep(opts.pauseMs);
      }
    }),
  );
}

/** Polls until every accepted message was seen (or the time is up); returns what is still missing. */
export async function drain(
  ledger: Ledger,
  observe: () => void,
  timeoutMs: number,
): Promise<{ pending: number; ms: number }> {
  const started = Date.now();
  for (;;) {
    observe();
    const pending = ledger.pending();
    if (pending === 0 || Date.now() - started > timeoutMs) return { pending, ms: Date.now() - started };
    await sleep(100);
  }
}

/** Runs `jobs` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  job: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await job(item);
      }
    }),
  );
}

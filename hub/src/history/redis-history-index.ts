import { addressOf, type HubEvent } from "@cc2cc/shared";

type SentEvent = Extract<HubEvent, { type: "message:sent" }>;

/**
 * Fields of an index bucket (`history:idx:<minute>`, see redis-history-keys.ts), per message:
 *   <id>              "<event id> <root id>"
 *   <id>\t<instance>  when that instance acknowledged it (ms)
 *   <id>\t@<address>  "<instance> <ms>", the last ack from that address: a session that took a
 *                     recipient's queue over (`/clear`, instance:migrated) keeps the address, so
 *                     its ack is found from the logged recipients alone
 * Fields rather than keys, so that a batch costs one HSET per bucket however many messages and
 * acks it holds; the acks of a message are read back without scanning the bucket.
 */
export const recordValue = (eventId: string, rootId: string): string => `${eventId} ${rootId}`;

export function parseRecord(value: unknown): { eventId: string; rootId: string } | null {
  if (typeof value !== "string") return null;
  const space = value.indexOf(" ");
  if (space === -1) return null;
  return { eventId: value.slice(0, space), rootId: value.slice(space + 1) };
}

/** Field-value pairs that record one ack. */
export function ackPairs(messageId: string, instanceId: string, atMs: number): string[] {
  return [
    `${messageId}\t${instanceId}`,
    String(atMs),
    `${messageId}\t@${addressOf(instanceId)}`,
    `${instanceId} ${atMs}`,
  ];
}

/** The fields that may hold this message's acks, in the order `acksFrom` reads them. */
export function ackFieldsOf(e: SentEvent): string[] {
  const id = e.message.id;
  const addresses = new Set(e.recipients.map(addressOf));
  return [...e.recipients.map((r) => `${id}\t${r}`), ...[...addresses].map((a) => `${id}\t@${a}`)];
}

/** Instance → ack time, from the values of `ackFieldsOf(e)`. */
export function acksFrom(e: SentEvent, values: readonly unknown[]): Map<string, number> {
  const acks = new Map<string, number>();
  e.recipients.forEach((r, i) => {
    if (typeof values[i] === "string") acks.set(r, Number(values[i]));
  });
  for (const v of values.slice(e.recipients.length)) {
    if (typeof v !== "string") continue;
    const [instanceId, ms] = v.split(" ");
    if (instanceId && ms && !acks.has(instanceId)) acks.set(instanceId, Number(ms));
  }
  return acks;
}

/** Every field a logged message may have, to drop it with the message. */
export const fieldsOf = (e: SentEvent): string[] => [e.message.id, ...ackFieldsOf(e)];

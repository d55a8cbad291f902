import { z } from "zod";
import { LIMITS } from "./limits.js";

/**
 * Instance ids are `username@host:project/session`. Each part is a restricted token so that an
 * id is safe as a Redis key part, a socket.io room name and an HTML attribute without escaping
 * games; the plugin sanitizes what it reads from the environment into this alphabet.
 */
const PART = `[A-Za-z0-9._-]{1,${LIMITS.idPartMaxLength}}`;
export const ID_PART_PATTERN = new RegExp(`^${PART}$`);
export const INSTANCE_ID_PATTERN = new RegExp(`^(${PART})@(${PART}):(${PART})/(${PART})$`);
export const PARTIAL_ADDRESS_PATTERN = new RegExp(`^(${PART})@(${PART}):(${PART})$`);
/** Topic and role names. */
export const NAME_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${LIMITS.nameMaxLength - 1}}$`);

export const IdPartSchema = z.string().regex(ID_PART_PATTERN, "must be 1-64 of A-Z a-z 0-9 . _ -");
export const InstanceIdSchema = z
  .string()
  .max(LIMITS.addressMaxLength)
  .regex(INSTANCE_ID_PATTERN, "must look like username@host:project/session");
export type InstanceId = z.infer<typeof InstanceIdSchema>;

export const TopicNameSchema = z
  .string()
  .regex(NAME_PATTERN, "must be 1-64 of A-Z a-z 0-9 . _ - and start with a letter or digit");
export const RoleNameSchema = TopicNameSchema;

export const MessageIdSchema = z.string().min(1).max(LIMITS.messageIdMaxLength);

export interface InstanceIdParts {
  username: string;
  host: string;
  project: string;
  session: string;
}

export function parseInstanceId(id: string): InstanceIdParts | null {
  const m = INSTANCE_ID_PATTERN.exec(id);
  if (!m) return null;
  return { username: m[1]!, host: m[2]!, project: m[3]!, session: m[4]! };
}

export function formatInstanceId(p: InstanceIdParts): string {
  return `${p.username}@${p.host}:${p.project}/${p.session}`;
}

/** `username@host:project` of an instance id: the part that survives `/clear`. */
export function addressOf(id: string): string {
  const slash = id.lastIndexOf("/");
  return slash === -1 ? id : id.slice(0, slash);
}

/** Where a `to` points. Parsing never touches state; resolution is the hub's job. */
export type Address =
  | { kind: "instance"; instanceId: string }
  | { kind: "partial"; prefix: string }
  | { kind: "role"; role: string }
  | { kind: "topic"; topic: string }
  | { kind: "broadcast" };

export const BROADCAST = "broadcast";

export function parseAddress(to: string): Address | null {
  if (to === BROADCAST) return { kind: "broadcast" };
  if (to.startsWith("role:")) {
    const role = to.slice(5);
    return NAME_PATTERN.test(role) ? { kind: "role", role } : null;
  }
  if (to.startsWith("topic:")) {
    const topic = to.slice(6);
    return NAME_PATTERN.test(topic) ? { kind: "topic", topic } : null;
  }
  if (INSTANCE_ID_PATTERN.test(to)) return { kind: "instance", instanceId: to };
  if (PARTIAL_ADDRESS_PATTERN.test(to)) return { kind: "partial", prefix: to };
  return null;
}

export const AddressSchema = z
  .string()
  .max(LIMITS.addressMaxLength)
  .refine(
    (to) => parseAddress(to) !== null,
    "must be an instance id (user@host:project/session), a partial address (user@host:project), role:<name>, topic:<name> or broadcast",
  );

/** The identity that scheduled and operator messages are sent from; no client can register it. */
export const RESERVED_USERNAMES = ["cc2cc", "operator", "scheduler"] as const;
export function isReservedInstanceId(id: string): boolean {
  const parts = parseInstanceId(id);
  return parts !== null && (RESERVED_USERNAMES as readonly string[]).includes(parts.username);
}

import { type Address, addressOf, Cc2ccError, type InstanceInfo, parseAddress } from "@cc2cc/shared";
import type { Engine } from "../engine/engine.js";

export type Resolved =
  | { kind: "direct"; recipients: string[] }
  | { kind: "role"; recipients: string[]; role: string }
  | { kind: "topic"; topic: string }
  | { kind: "broadcast" };

export function parseTo(to: string): Address {
  const address = parseAddress(to);
  if (!address) throw new Cc2ccError("VALIDATION", `to: "${to}" is not an address`, { field: "to" });
  return address;
}

/**
 * Turn a `to` into recipients. Partial addresses resolve to the one live instance under that
 * `user@host:project`; roles to every instance holding the role (offline ones too: their
 * queue keeps the message), never to the sender itself.
 */
export async function resolveAddress(engine: Engine, to: string, from: string): Promise<Resolved> {
  const address = parseTo(to);
  switch (address.kind) {
    case "broadcast":
      return { kind: "broadcast" };
    case "topic":
      return { kind: "topic", topic: address.topic };
    case "instance":
      // Existence is checked atomically by enqueue (UNKNOWN_RECIPIENT), no extra read here.
      return { kind: "direct", recipients: [address.instanceId] };
    case "partial":
      return { kind: "direct", recipients: [await resolvePartial(engine, address.prefix)] };
    case "role": {
      const holders = (await engine.listInstances())
        .filter((i) => i.role === address.role && i.instanceId !== from)
        .map((i) => i.instanceId);
      if (holders.length === 0) {
        throw new Cc2ccError("UNKNOWN_RECIPIENT", `no instance holds role "${address.role}"`, {
          field: "to",
        });
      }
      return { kind: "role", recipients: holders, role: address.role };
    }
  }
}

export async function resolvePartial(engine: Engine, prefix: string): Promise<string> {
  const matches: InstanceInfo[] = (await engine.listInstances()).filter(
    (i) => addressOf(i.instanceId) === prefix,
  );
  const live = matches.filter((i) => i.online);
  if (live.length === 1) return live[0]!.instanceId;
  if (live.length > 1) {
    const candidates = live.map((i) => i.instanceId);
    throw new Cc2ccError(
      "AMBIGUOUS_ADDRESS",
      `"${prefix}" matches ${live.length} live instances; use a full id: ${candidates.join(", ")}`,
      { field: "to", details: { candidates } },
    );
  }
  throw new Cc2ccError("UNKNOWN_RECIPIENT", `no live instance at "${prefix}"`, {
    field: "to",
    details: { offline: matches.map((i) => i.instanceId) },
  });
}

/** One instance for ping: a full id or a partial address. */
export async function resolveOne(engine: Engine, to: string): Promise<string> {
  const address = parseTo(to);
  if (address.kind === "instance") return address.instanceId;
  if (address.kind === "partial") return resolvePartial(engine, address.prefix);
  throw new Cc2ccError("VALIDATION", "to: ping needs an instance id or a partial address", { field: "to" });
}

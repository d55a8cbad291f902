// Generators of hostile input for the fuzzer. Loaded by child processes with Node's type
// stripping too, so: no enums, no parameter properties, type-only imports marked `type`.
import type { Rng } from "./random.js";

export const PLUGIN_EVENTS = [
  "send_message",
  "broadcast",
  "publish_topic",
  "subscribe_topic",
  "unsubscribe_topic",
  "list_topics",
  "list_instances",
  "set_role",
  "get_messages",
  "ack",
  "ping",
  "whoami",
  "message_status",
] as const;

const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "😀",
  "\u202e",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "role:",
  "topic:",
  "topic:../../x",
  "broadcast",
  "a@b:c/d",
  "a@b:c",
  "%00%ff",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an injection string, verbatim on purpose
  "${jndi:ldap://x}",
  "\\u0000",
  "9".repeat(400),
  "NaN",
  "-1",
  "1e309",
];

export function junkString(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return rng.pick(NASTY_STRINGS);
    case 1:
      return String.fromCharCode(...Array.from({ length: rng.int(1, 40) }, () => rng.int(0, 0xffff)));
    case 2:
      return "x".repeat(rng.pick([63, 64, 65, 255, 300, 301, 4097, 65_536, 65_537]));
    case 3:
      return `${rng.pick(["u", "role:", "topic:", ""])}${rng.int(0, 1e9).toString(36)}`;
    default:
      return Math.random()
        .toString(36)
        .slice(2, 2 + rng.int(1, 12));
  }
}

/** Any JSON value, including the awkward ones (big numbers, prototype keys, nesting). */
export function junkValue(rng: Rng, depth = 0): unknown {
  const kind = rng.int(0, depth > 3 ? 5 : 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, -0, 101, 500, 501, 30_001]);
    case 3:
    case 4:
    case 5:
      return junkString(rng);
    case 6:
      return Array.from({ length: rng.int(0, 6) }, () => junkValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 5); i > 0; i--)
        o[rng.chance(0.3) ? rng.pick(NASTY_STRINGS) : junkString(rng)] = junkValue(rng, depth + 1);
      return o;
    }
  }
}

/** Nested arrays or objects `depth` deep, as JSON text (built as text: no recursion anywhere). */
export function deepJson(depth: number, kind: "array" | "object"): string {
  return kind === "array"
    ? `${"[".repeat(depth)}${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

const TEMPLATES: Record<string, () => Record<string, unknown>> = {
  send_message: () => ({ to: "fuzz@fuzz-host:fuzz/none", type: "task", content: "fuzz" }),
  broadcast: () => ({ type: "task", content: "fuzz" }),
  publish_topic: () => ({ topic: "fuzz-topic", type: "result", content: "fuzz" }),
  subscribe_topic: () => ({ topic: "fuzz-topic" }),
  unsubscribe_topic: () => ({ topic: "fuzz-topic" }),
  set_role: () => ({ role: "fuzzer" }),
  get_messages: () => ({ limit: 5 }),
  ack: () => ({ messageIds: ["0190a8a0-0000-7000-8000-000000000000"] }),
  ping: () => ({ to: "fuzz@fuzz-host:fuzz/none", timeoutMs: 100 }),
  message_status: () => ({ messageId: "0190a8a0-0000-7000-8000-000000000000" }),
};

/** A request for a known event, made wrong in one or more ways (sometimes left right). */
export function mutatedPayload(rng: Rng, event: string): unknown {
  if (rng.chance(0.08)) return junkValue(rng);
  const p: Record<string, unknown> = { ...(TEMPLATES[event]?.() ?? {}) };
  const keys = Object.keys(p);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const op = rng.int(0, 5);
    const key =
      keys.length > 0 && op < 4
        ? rng.pick(keys)
        : rng.pick(["requestId", "metadata", "replyTo", "persistent", "from", "hops", junkString(rng)]);
    if (op === 0) delete p[key];
    else if (op === 5 && key === "metadata") p[key] = { [junkString(rng)]: junkValue(rng) };
    else p[key] = junkValue(rng);
  }
  return p;
}

/** The socket.io emit of one fuzz frame: event name, arguments, and whether it wants an ack. */
export interface SioFrame {
  event: string;
  args: unknown[];
  ack: boolean;
}

export function sioFrame(rng: Rng, maxFrameBytes: number): SioFrame {
  const roll = rng.next();
  const ack = rng.chance(0.93);
  if (roll < 0.01) {
    const size = rng.pick([60_000, 70_000, Math.floor(maxFrameBytes * 0.9)]);
    return {
      event: rng.pick(PLUGIN_EVENTS),
      args: [{ to: "x@y:z/w", type: "task", content: "z".repeat(size) }],
      ack,
    };
  }
  if (roll < 0.05) {
    return { event: junkString(rng).slice(0, 80) || "x", args: [junkValue(rng)], ack };
  }
  if (roll < 0.08) {
    return { event: rng.pick(PLUGIN_EVENTS), args: [Buffer.from(junkString(rng))], ack };
  }
  if (roll < 0.1) {
    const nested = JSON.parse(deepJson(rng.int(50, 400), rng.chance(0.5) ? "array" : "object")) as unknown;
    return { event: rng.pick(PLUGIN_EVENTS), args: [nested], ack };
  }
  if (roll < 0.13) {
    return { event: rng.pick(PLUGIN_EVENTS), args: [], ack };
  }
  if (roll < 0.14) {
    const args = Array.from({ length: rng.int(2, 5) }, () => junkValue(rng));
    return { event: rng.pick(PLUGIN_EVENTS), args, ack };
  }
  const event = rng.pick(PLUGIN_EVENTS.filter((e) => e !== "ping" || rng.chance(0.3)));
  return { event, args: [mutatedPayload(rng, event)], ack };
}

/**
 * What a raw frame should get: a coded reply, a notice, the connection closed, a socket.io
 * CONNECT_ERROR (refused), or nothing in particular (benign frames the protocol allows).
 */
export type RawExpect = "reply" | "notice" | "close" | "refused" | "benign";

export interface RawFrame {
  label: string;
  expect: RawExpect;
  /** Text frames as strings, other WebSocket frames as specs; all sent in order. */
  frames: Array<
    | string
    | { opcode: number; payload: Buffer; fin?: boolean; mask?: boolean; rsv?: number; claimedLength?: number }
  >;
}

/**
 * One hostile frame (or short burst) below socket.io-client: raw engine.io and socket.io
 * packets, broken JSON, invalid UTF-8, binary where text belongs, WebSocket protocol abuse.
 */
export function rawFrame(rng: Rng, nsp: string, ackId: number, maxFrameBytes: number): RawFrame {
  const event = rng.pick(PLUGIN_EVENTS);
  const e = (json: string, ack = true) => `42${nsp},${ack ? ackId : ""}${json}`;
  const r = rng.int(0, 99);
  if (r < 45) {
    let args = "";
    // Junk that adds up past the frame cap would only test the cap, which has its own kinds.
    do args = JSON.stringify([rng.chance(0.9) ? event : junkString(rng), mutatedPayload(rng, event)]);
    while (args.length > maxFrameBytes - 4096);
    return { label: "event-junk-payload", expect: "reply", frames: [e(args)] };
  }
  if (r < 52) {
    const depth = rng.pick([1000, 10_000, 100_000]);
    return {
      label: `event-deep-${depth}`,
      expect: "reply",
      frames: [e(`["${event}",${deepJson(depth, rng.chance(0.5) ? "array" : "object")}]`)],
    };
  }
  if (r < 58)
    return {
      label: "event-no-ack",
      expect: "notice",
      frames: [e(JSON.stringify([event, junkValue(rng)]), false)],
    };
  if (r < 62) {
    const placeholder = `451-${nsp},${ackId}["${event}",{"_placeholder":true,"num":0}]`;
    return {
      label: "binary-event",
      expect: "reply",
      frames: [placeholder, { opcode: 2, payload: Buffer.from(junkString(rng)) }],
    };
  }
  if (r < 66)
    return {
      label: "event-broken-json",
      expect: "close",
      frames: [`${e(`["${event}",{"to":`)}${junkString(rng)}`],
    };
  if (r < 69)
    return {
      label: "sio-unknown-type",
      expect: "close",
      frames: [`4${rng.int(7, 9)}${nsp},${junkString(rng)}`],
    };
  if (r < 72)
    return {
      label: "engine-unknown-type",
      expect: "close",
      frames: [`${rng.pick(["7", "8", "9", "x", "{"])}${junkString(rng)}`],
    };
  if (r < 74) return { label: "engine-client-ping", expect: "close", frames: ["2"] };
  if (r < 77) {
    const bad = Buffer.from([0x34, 0x32, 0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]);
    return { label: "invalid-utf8-text", expect: "close", frames: [{ opcode: 1, payload: bad }] };
  }
  if (r < 80)
    return {
      label: "binary-garbage",
      expect: "close",
      frames: [{ opcode: 2, payload: Buffer.from(junkString(rng)) }],
    };
  if (r < 82) {
    const frame = `451-${nsp},${ackId}["${event}",{"_placeholder":true,"num":${rng.pick([1, 99, -1])}}]`;
    return {
      label: "placeholder-out-of-range",
      expect: "close",
      frames: [frame, { opcode: 2, payload: Buffer.from("x") }],
    };
  }
  if (r < 84)
    return {
      label: "ws-unmasked",
      expect: "close",
      frames: [{ opcode: 1, payload: Buffer.from(e("[]")), mask: false }],
    };
  if (r < 86)
    return {
      label: "ws-reserved-opcode",
      expect: "close",
      frames: [{ opcode: rng.pick([3, 4, 5, 11, 15]), payload: Buffer.from("x") }],
    };
  if (r < 88)
    return {
      label: "ws-rsv-bits",
      expect: "close",
      frames: [{ opcode: 1, payload: Buffer.from(e("[]")), rsv: rng.int(1, 7) }],
    };
  if (r < 89)
    return {
      label: "ws-continuation-first",
      expect: "close",
      frames: [{ opcode: 0, payload: Buffer.from("x") }],
    };
  if (r < 90)
    return {
      label: "ws-fragmented-ping",
      expect: "close",
      frames: [{ opcode: 9, payload: Buffer.from("x"), fin: false }],
    };
  if (r < 92) {
    return {
      label: "ws-claimed-length-over-max",
      expect: "close",
      frames: [{ opcode: 1, payload: Buffer.from("4"), claimedLength: maxFrameBytes + 1 }],
    };
  }
  if (r < 93)
    return {
      label: "ws-frame-over-max",
      expect: "close",
      frames: [`${e(`["send_message",{"content":"`)}${"y".repeat(maxFrameBytes)}"}]`],
    };
  if (r < 95)
    return {
      label: "connect-unknown-namespace",
      expect: "refused",
      frames: [`40/${junkString(rng).replace(/[^a-z]/gi, "") || "nope"},{}`],
    };
  if (r < 96)
    return {
      label: "event-other-namespace",
      expect: "benign",
      frames: [`42/dashboard,${ackId}["whoami",{}]`],
    };
  if (r < 97)
    return {
      label: "ws-ping-frame",
      expect: "benign",
      frames: [{ opcode: 9, payload: Buffer.from(junkString(rng).slice(0, 100)) }],
    };
  if (r < 98) return { label: "engine-noop-pong", expect: "benign", frames: [rng.pick(["3", "6"])] };
  return {
    label: "ack-for-nothing",
    expect: "benign",
    frames: [`43${nsp},${rng.int(1, 1e6)}[${JSON.stringify(junkValue(rng))}]`],
  };
}

import { ERROR_CODES } from "@cc2cc/shared";
import { DASHBOARD_KEY, PLUGIN_KEY } from "../../helpers/hub-process.js";
import { deepJson, junkString, junkValue } from "./fuzz-gen.js";
import type { Rng } from "./random.js";

const CODES = new Set<string>(ERROR_CODES);
const ID = "fuzz@fuzz-host:fuzz/none";
const PATH_IDS = [
  "%",
  "%E0%A4%A",
  "%25",
  "%00",
  "%2e%2e%2f",
  "..%2F..%2F",
  "a".repeat(5000),
  "🙂",
  encodeURIComponent(ID),
];

export interface RestOutcome {
  label: string;
  status: number;
  ok: boolean;
  detail: string;
  /** The first attempt died on a connection the hub had closed after an earlier request. */
  retried: boolean;
}

/** encodeURIComponent throws on lone surrogates; junk has them, so fall back to a raw escape. */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return escape(s);
  }
}

function path(rng: Rng): [string, string] {
  const id = rng.chance(0.5) ? rng.pick(PATH_IDS) : encode(junkString(rng)).slice(0, 2000) || "x";
  const mid = rng.chance(0.5) ? rng.pick(PATH_IDS) : "0190a8a0-0000-7000-8000-000000000000";
  return rng.pick<[string, string]>([
    ["POST", "/api/messages"],
    ["POST", "/api/topics"],
    ["GET", `/api/instances/${id}`],
    ["GET", `/api/instances/${id}/queue?limit=${rng.pick(["-1", "abc", "1e9", "0", "1001", "%", "5"])}`],
    ["DELETE", `/api/instances/${id}/queue`],
    ["GET", `/api/instances/${id}/dead-letters`],
    ["POST", `/api/instances/${id}/dead-letters/${mid}/replay`],
    ["DELETE", `/api/instances/${id}/dead-letters/${mid}`],
    ["GET", `/api/topics/${id}/subscribers`],
    ["DELETE", `/api/topics/${id}`],
    ["GET", `/api/messages/${mid}/status`],
    ["GET", `/api/history?${rng.pick(["limit=-5", "from=abc", "type=zzz", "cursor=%", "q=%00"])}`],
    ["GET", `/api/history/messages/${mid}`],
    ["PUT", "/api/messages"],
    ["PATCH", `/api/instances/${id}`],
  ]);
}

function body(rng: Rng): { label: string; data: string | Uint8Array | undefined; type: string } {
  const r = rng.int(0, 9);
  if (r === 0) return { label: "no-body", data: undefined, type: "application/json" };
  if (r === 1) return { label: "broken-json", data: `{"to":"${ID}","type":`, type: "application/json" };
  if (r === 2)
    return {
      label: "deep-json",
      data: deepJson(rng.pick([1000, 100_000]), "object"),
      type: "application/json",
    };
  if (r === 3)
    return {
      label: "huge-body",
      data: JSON.stringify({ to: ID, type: "task", content: "h".repeat(300_000) }),
      type: "application/json",
    };
  if (r === 4)
    return {
      label: "invalid-utf8",
      data: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]),
      type: "application/json",
    };
  if (r === 5)
    return {
      label: "wrong-type",
      data: "to=x&type=task",
      type: rng.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]),
    };
  const value = { to: ID, type: "task", content: "fuzz", name: "fuzz-topic", ...(junkValue(rng) as object) };
  for (const k of Object.keys(value))
    if (rng.chance(0.3)) (value as Record<string, unknown>)[k] = junkValue(rng);
  return {
    label: "junk-json",
    data: JSON.stringify(rng.chance(0.1) ? junkValue(rng) : value),
    type: "application/json",
  };
}

/**
 * One hostile REST request. Fine outcomes: a 2xx (valid by chance) or a 4xx whose body is an
 * ErrorBody with a known code. A 5xx or an uncoded error is a defect.
 */
export async function restFuzzOnce(base: string, rng: Rng): Promise<RestOutcome> {
  const [method, p] = path(rng);
  const b =
    method === "GET" || method === "DELETE" ? { label: "none", data: undefined, type: "" } : body(rng);
  const headers: Record<string, string> = {
    authorization: `Bearer ${rng.chance(0.85) ? DASHBOARD_KEY : PLUGIN_KEY}`,
  };
  if (b.type) headers["content-type"] = b.type;
  const label = `${method} ${p
    .split("?")[0]!
    .replace(/\/api\/(\w+)\/[^/]+/, "/api/$1/:x")
    .slice(0, 60)} ${b.label}`;
  const send = () =>
    fetch(`${base}${p}`, { method, headers, body: b.data, signal: AbortSignal.timeout(10_000) });
  let retried = false;
  try {
    // After refusing an over-limit body the hub closes that keep-alive connection (without
    // saying `Connection: close`), so the next request sent on it fails at the socket: one
    // retry on a fresh connection tells that apart from a request the hub itself dropped.
    const res = await send().catch((err: unknown) => {
      if ((err as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw err;
      retried = true;
      return send();
    });
    const text = await res.text();
    if (res.status < 400) return { label, status: res.status, ok: res.status < 300, detail: "", retried };
    let code: unknown;
    try {
      code = (JSON.parse(text) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    const coded = typeof code === "string" && CODES.has(code);
    return { label, status: res.status, ok: res.status < 500 && coded, detail: text.slice(0, 200), retried };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return {
      label,
      status: 0,
      ok: false,
      detail: `${String(err)} (${cause?.code ?? ""} ${cause?.message ?? ""})`,
      retried,
    };
  }
}

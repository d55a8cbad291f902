// Direct messages between pairs of virtual instances: each VU holds one sender and one
// recipient, sends at a fixed rate, and the recipient acknowledges every frame it gets.
// Measures send → delivered latency, send → accepted latency, and checks that every accepted
// message arrives (at-least-once) before the VU leaves.
//
// Env: CC2CC_HUB_URL, CC2CC_API_KEY, PAIRS (20), RATE per pair msgs/s (20), DURATION s (30),
//      CONTENT_BYTES (200), P95_MS (100), P99_MS (250)
// The hub must allow RATE × 60 messages a minute per pair (CC2CC_PAIR_RATE, default 120).
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, setInterval } from "k6/timers";
import { makeInstanceId, sentAt, stampedContent, VirtualPlugin } from "./lib/plugin.js";
import { envInt, envSeconds, summarize } from "./lib/summary.js";

const PAIRS = envInt("PAIRS", 20);
const RATE = envInt("RATE", 20);
const DURATION = envSeconds("DURATION", 30);
const CONTENT_BYTES = envInt("CONTENT_BYTES", 200);
const DRAIN_S = Math.min(3, DURATION / 4);
const SEND_S = DURATION - DRAIN_S - 1;
// Each pair should deliver at least half of what it was asked to send (a saturated box gets
// slow, not silent); the exact figure is in the summary.
const MIN_DELIVERED = Math.floor(PAIRS * RATE * SEND_S * 0.5);
const MAX_OUTSTANDING = 200;

const sent = new Counter("cc2cc_sent");
// The hub's per-pair limit (CC2CC_PAIR_RATE, 120/min by default) is a loop guard; a load test
// needs it raised. Refusals are counted apart so that a failed run says so by name.
const rateLimited = new Counter("cc2cc_rate_limited");
const delivered = new Counter("cc2cc_delivered");
const duplicates = new Counter("cc2cc_duplicates");
const lost = new Counter("cc2cc_lost");
const errors = new Rate("cc2cc_errors");
const deliveryLatency = new Trend("cc2cc_delivery_latency", true);
const acceptLatency = new Trend("cc2cc_accept_latency", true);
const ackedLatency = new Trend("cc2cc_acked_latency", true);

export const options = {
  scenarios: {
    pairs: {
      executor: "per-vu-iterations",
      vus: PAIRS,
      iterations: 1,
      maxDuration: `${Math.ceil(DURATION + 15)}s`,
      gracefulStop: "5s",
    },
  },
  thresholds: {
    cc2cc_delivery_latency: [`p(95)<${envInt("P95_MS", 100)}`, `p(99)<${envInt("P99_MS", 250)}`],
    cc2cc_errors: ["rate<0.01"],
    cc2cc_delivered: [`count>=${MIN_DELIVERED}`],
    cc2cc_lost: ["count==0"],
    cc2cc_rate_limited: ["count==0"],
  },
  summaryTrendStats: ["avg", "med", "p(95)", "p(99)", "max"],
};

export default function () {
  const started = Date.now();
  const project = "k6-direct";
  const accepted = new Set();
  const seen = new Map(); // message id → stamped send time
  let outstanding = 0;
  let seq = 0;
  let credit = 0;

  const recipient = new VirtualPlugin({
    instanceId: makeInstanceId(project, `r${__VU}`),
    onConnectError: () => errors.add(true),
    onMessages: (messages, _requiresAck, now) => {
      for (const m of messages) {
        if (seen.has(m.id)) {
          duplicates.add(1);
          continue;
        }
        const t = sentAt(m.content);
        seen.set(m.id, t);
        delivered.add(1);
        deliveryLatency.add(now - t);
      }
    },
    onAcked: (reply, ids) => {
      errors.add(reply?.ok !== true);
      const now = Date.now();
      for (const id of ids) {
        const t = seen.get(id);
        if (t !== undefined) ackedLatency.add(now - t);
      }
    },
  });
  const sender = new VirtualPlugin({
    instanceId: makeInstanceId(project, `s${__VU}`),
    onConnectError: () => errors.add(true),
  });

  const send = () => {
    outstanding++;
    const t0 = Date.now();
    sender.request(
      "send_message",
      { to: recipient.instanceId, type: "task", content: stampedContent(seq++, CONTENT_BYTES) },
      (reply) => {
        outstanding--;
        const ok = reply?.ok === true;
        if (reply?.error?.code === "RATE_LIMITED") {
          rateLimited.add(1);
          return;
        }
        errors.add(!ok);
        if (!ok) return;
        acceptLatency.add(Date.now() - t0);
        sent.add(1);
        accepted.add(reply.data.message.id);
      },
    );
  };

  const TICK_MS = 50;
  const timer = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    const ready = sender.welcomed && recipient.welcomed;
    if (
      elapsed > SEND_S + DRAIN_S ||
      (elapsed > SEND_S && accepted.size > 0 && outstanding === 0 && allSeen())
    ) {
      clearInterval(timer);
      for (const id of accepted) if (!seen.has(id)) lost.add(1);
      sender.close();
      recipient.close();
      return;
    }
    if (!ready || elapsed > SEND_S) return;
    credit += (RATE * TICK_MS) / 1000;
    while (credit >= 1 && outstanding < MAX_OUTSTANDING) {
      credit--;
      send();
    }
    if (credit > RATE) credit = RATE; // do not build a burst while the hub is behind
  }, TICK_MS);

  function allSeen() {
    for (const id of accepted) if (!seen.has(id)) return false;
    return true;
  }
}

export const handleSummary = summarize("direct");

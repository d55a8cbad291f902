// Direct messages between pairs of virtual instances: each VU holds one sender and one
// recipient, sends at a fixed rate for DURATION seconds, and the recipient acknowledges every
// frame it gets. Measures send → delivered, send → accepted and send → ack-confirmed latency.
//
// At-least-once is checked with a bounded drain: after the send window the VU stops sending
// and keeps receiving and acking until every id the hub accepted has arrived and every request
// is answered, or DRAIN seconds passed. Only then is an accepted id that never arrived counted
// as lost (and logged, so that it can be looked up in Redis). A message that is merely late
// (a stalled hub or k6 on a loaded box) shows in cc2cc_drain_time, never in cc2cc_lost.
// Dropped sockets reconnect with the same id and secret, as the plugin does, so that queued
// messages still arrive; they are counted in cc2cc_disconnects.
//
// Env: CC2CC_HUB_URL, CC2CC_API_KEY, PAIRS (20), RATE per pair msgs/s (20), DURATION s (30),
//      DRAIN s (20), CONTENT_BYTES (200), P50_MS (50), P95_MS (100), P99_MS (250)
// The hub must allow RATE × 60 messages a minute per pair (CC2CC_PAIR_RATE, default 120).
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { makeInstanceId, sentAt, stampedContent, VirtualPlugin } from "./lib/plugin.js";
import { envInt, envSeconds, summarize } from "./lib/summary.js";

const PAIRS = envInt("PAIRS", 20);
const RATE = envInt("RATE", 20);
const DURATION = envSeconds("DURATION", 30);
const DRAIN_S = envSeconds("DRAIN", 20);
const CONTENT_BYTES = envInt("CONTENT_BYTES", 200);
// Each pair should deliver at least half of what it was asked to send (a saturated box gets
// slow, not silent); the exact figure is in the summary.
const MIN_DELIVERED = Math.floor(PAIRS * RATE * DURATION * 0.5);
const MAX_OUTSTANDING = 200;
const LOST_IDS_LOGGED = 20;

const sent = new Counter("cc2cc_sent");
// The hub's per-pair limit (CC2CC_PAIR_RATE, 120/min by default) is a loop guard; a load test
// needs it raised. Refusals are counted apart so that a failed run says so by name.
const rateLimited = new Counter("cc2cc_rate_limited");
const delivered = new Counter("cc2cc_delivered");
const duplicates = new Counter("cc2cc_duplicates");
const lost = new Counter("cc2cc_lost");
// Requests (send or ack) still unanswered when the drain ended: the hub sat on them > DRAIN s.
const unanswered = new Counter("cc2cc_unanswered");
const disconnects = new Counter("cc2cc_disconnects");
const errors = new Rate("cc2cc_errors");
const deliveryLatency = new Trend("cc2cc_delivery_latency", true);
const acceptLatency = new Trend("cc2cc_accept_latency", true);
const ackedLatency = new Trend("cc2cc_acked_latency", true);
const drainTime = new Trend("cc2cc_drain_time", true);

export const options = {
  scenarios: {
    pairs: {
      executor: "per-vu-iterations",
      vus: PAIRS,
      iterations: 1,
      maxDuration: `${Math.ceil(DURATION + DRAIN_S + 15)}s`,
      gracefulStop: "5s",
    },
  },
  thresholds: {
    cc2cc_delivery_latency: [
      `p(50)<${envInt("P50_MS", 50)}`,
      `p(95)<${envInt("P95_MS", 100)}`,
      `p(99)<${envInt("P99_MS", 250)}`,
    ],
    cc2cc_errors: ["rate<0.01"],
    cc2cc_delivered: [`count>=${MIN_DELIVERED}`],
    cc2cc_lost: ["count==0"],
    cc2cc_unanswered: ["count==0"],
    cc2cc_rate_limited: ["count==0"],
  },
  summaryTrendStats: ["avg", "med", "p(95)", "p(99)", "max"],
};

export default function () {
  const started = Date.now();
  const project = "k6-direct";
  const accepted = new Set();
  const seen = new Map(); // message id → stamped send time
  let missing = 0; // accepted and not seen yet
  let outstanding = 0; // sends without a reply
  let acksPending = 0; // acks without a reply
  let seq = 0;
  let credit = 0;
  let finished = false;
  let sendingSince = 0;
  let drainingSince = 0;

  // A socket that drops before the end comes back, as the plugin's would: same id and secret.
  const keepAlive = (who) => () => {
    if (finished) return;
    disconnects.add(1);
    setTimeout(() => {
      if (!finished) who().connect();
    }, 500);
  };

  const recipient = new VirtualPlugin({
    instanceId: makeInstanceId(project, `r${__VU}`),
    onConnectError: () => errors.add(true),
    onClose: keepAlive(() => recipient),
    onMessages: (messages, requiresAck, now) => {
      if (requiresAck && messages.length > 0) acksPending++;
      for (const m of messages) {
        if (seen.has(m.id)) {
          duplicates.add(1);
          continue;
        }
        const t = sentAt(m.content);
        seen.set(m.id, t);
        if (accepted.has(m.id)) missing--;
        delivered.add(1);
        deliveryLatency.add(now - t);
      }
    },
    onAcked: (reply, ids) => {
      acksPending--;
      if (finished && reply?.error?.code === "CLOSED") {
        unanswered.add(1);
        return;
      }
      // An ack cut off by a dropped socket is not an error: the hub redelivers those ids.
      if (reply?.error?.code !== "CLOSED") errors.add(reply?.ok !== true);
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
    onClose: keepAlive(() => sender),
  });

  const send = () => {
    outstanding++;
    const t0 = Date.now();
    sender.request(
      "send_message",
      { to: recipient.instanceId, type: "task", content: stampedContent(seq++, CONTENT_BYTES) },
      (reply) => {
        outstanding--;
        if (finished && reply?.error?.code === "CLOSED") {
          unanswered.add(1);
          return;
        }
        const ok = reply?.ok === true;
        if (reply?.error?.code === "RATE_LIMITED") {
          rateLimited.add(1);
          return;
        }
        // A send cut off by a dropped socket has an unknown outcome: an error, never "lost".
        errors.add(!ok);
        if (!ok) return;
        acceptLatency.add(Date.now() - t0);
        sent.add(1);
        const id = reply.data.message.id;
        accepted.add(id);
        if (!seen.has(id)) missing++; // the delivery may beat the reply
      },
    );
  };

  const finish = (now) => {
    finished = true;
    clearInterval(timer);
    if (missing === 0) drainTime.add(now - drainingSince);
    let logged = 0;
    for (const id of accepted) {
      if (seen.has(id)) continue;
      lost.add(1);
      if (logged++ < LOST_IDS_LOGGED) console.warn(`lost id ${id} to ${recipient.instanceId}`);
    }
    sender.close();
    recipient.close();
  };

  const TICK_MS = 50;
  const timer = setInterval(() => {
    const now = Date.now();
    if (drainingSince > 0) {
      const settled = missing === 0 && outstanding === 0 && acksPending === 0;
      if (settled || now - drainingSince > DRAIN_S * 1000) finish(now);
      return;
    }
    if (!(sender.welcomed && recipient.welcomed)) {
      // Never both connected: give up after the whole window, counting it.
      if (sendingSince === 0 && now - started > (DURATION + DRAIN_S) * 1000) {
        errors.add(true);
        finish(now);
      }
      return;
    }
    if (sendingSince === 0) sendingSince = now;
    if (now - sendingSince >= DURATION * 1000) {
      drainingSince = now;
      return;
    }
    credit += (RATE * TICK_MS) / 1000;
    while (credit >= 1 && outstanding < MAX_OUTSTANDING) {
      credit--;
      send();
    }
    if (credit > RATE) credit = RATE; // do not build a burst while the hub is behind
  }, TICK_MS);
}

export const handleSummary = summarize("direct");

// Reconnect storm: INSTANCES virtual instances drop their transport at the same moment every
// STORM_EVERY seconds (no goodbye, like a replica or network loss) and reconnect at once with
// the same id and secret, while a steady sender per instance keeps messaging it. Measures the
// time from drop to `welcome`, checks that every drop ends in a `welcome`, and checks
// at-least-once delivery across the storms: after sending stops the VU keeps receiving for up
// to DRAIN seconds, until every accepted message arrived; only what is still missing then is
// lost (redeliveries are counted apart).
//
// Env: CC2CC_HUB_URL, CC2CC_API_KEY, INSTANCES (50), DURATION s (30), DRAIN s (20),
//      STORM_EVERY s (5), RATE msgs/s per instance (5), RECONNECT_P95_MS (1000),
//      RECONNECT_P99_MS (2000)
// The hub must allow RATE × 60 messages a minute per pair (CC2CC_PAIR_RATE, default 120).
import exec from "k6/execution";
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { makeInstanceId, makeSecret, sentAt, stampedContent, VirtualPlugin } from "./lib/plugin.js";
import { envInt, envSeconds, summarize } from "./lib/summary.js";

const INSTANCES = envInt("INSTANCES", 50);
const DURATION = envSeconds("DURATION", 30);
const STORM_EVERY = envSeconds("STORM_EVERY", 5);
const RATE = envInt("RATE", 5);
const DRAIN_S = envSeconds("DRAIN", 20);
const SETTLE_S = Math.min(3, DURATION / 5);
const STORMS = Math.max(1, Math.floor((DURATION - SETTLE_S) / STORM_EVERY));

const reconnects = new Counter("cc2cc_reconnects");
const reconnectTime = new Trend("cc2cc_reconnect_time", true);
// Per drop: did the instance get its `welcome` back before the VU left?
const reconnected = new Rate("cc2cc_reconnected");
const sent = new Counter("cc2cc_sent");
const rateLimited = new Counter("cc2cc_rate_limited"); // CC2CC_PAIR_RATE too low for RATE
const delivered = new Counter("cc2cc_delivered");
const redelivered = new Counter("cc2cc_redelivered");
const lost = new Counter("cc2cc_lost");
const errors = new Rate("cc2cc_errors");
const deliveryLatency = new Trend("cc2cc_delivery_latency", true);

export const options = {
  scenarios: {
    storm: {
      executor: "per-vu-iterations",
      vus: INSTANCES,
      iterations: 1,
      maxDuration: `${Math.ceil(DURATION + DRAIN_S + 15)}s`,
      gracefulStop: "5s",
    },
  },
  thresholds: {
    cc2cc_reconnect_time: [
      `p(95)<${envInt("RECONNECT_P95_MS", 1000)}`,
      `p(99)<${envInt("RECONNECT_P99_MS", 2000)}`,
    ],
    cc2cc_reconnected: ["rate==1"],
    // A storm skips an instance still reconnecting from the last one, so this is a floor.
    cc2cc_reconnects: [`count>=${Math.floor(INSTANCES * STORMS * 0.5)}`],
    cc2cc_errors: ["rate<0.01"],
    cc2cc_lost: ["count==0"],
    cc2cc_rate_limited: ["count==0"],
  },
  summaryTrendStats: ["avg", "med", "p(95)", "p(99)", "max"],
};

export function setup() {
  // One epoch for every VU, so that the drops of all instances coincide.
  return { epoch: Date.now() + SETTLE_S * 1000 };
}

export default function ({ epoch }) {
  const n = exec.scenario.iterationInTest;
  const instanceId = makeInstanceId("k6-storm", `a${n}`);
  const secret = makeSecret();
  const accepted = new Set();
  const seen = new Set();
  let droppedAt = 0;
  let seq = 0;
  let outstanding = 0;
  let target = null;

  const connectTarget = () => {
    target = new VirtualPlugin({
      instanceId,
      secret,
      onConnectError: () => errors.add(true),
      onWelcome: () => {
        if (droppedAt > 0) {
          reconnects.add(1);
          reconnected.add(true);
          reconnectTime.add(Date.now() - droppedAt);
          droppedAt = 0;
        }
      },
      onMessages: (messages, _requiresAck, now) => {
        for (const m of messages) {
          if (seen.has(m.id)) {
            redelivered.add(1);
            continue;
          }
          seen.add(m.id);
          delivered.add(1);
          deliveryLatency.add(now - sentAt(m.content));
        }
      },
      onAcked: (reply) => errors.add(reply?.ok !== true && reply?.error?.code !== "CLOSED"),
    });
  };
  connectTarget();
  const sender = new VirtualPlugin({
    instanceId: makeInstanceId("k6-storm", `s${n}`),
    onConnectError: () => errors.add(true),
  });

  const sendEveryMs = 1000 / Math.max(1, RATE);
  const sendUntil = epoch + STORMS * STORM_EVERY * 1000;
  const sending = setInterval(() => {
    if (Date.now() > sendUntil) {
      clearInterval(sending);
      return;
    }
    if (!sender.welcomed || outstanding > 50) return;
    outstanding++;
    sender.request(
      "send_message",
      { to: instanceId, type: "task", content: stampedContent(seq++, 120) },
      (reply) => {
        outstanding--;
        if (reply?.error?.code === "RATE_LIMITED") {
          rateLimited.add(1);
          return;
        }
        errors.add(reply?.ok !== true);
        if (reply?.ok) {
          sent.add(1);
          accepted.add(reply.data.message.id);
        }
      },
    );
  }, sendEveryMs);

  for (let k = 0; k < STORMS; k++) {
    const at = epoch + k * STORM_EVERY * 1000 + STORM_EVERY * 500;
    setTimeout(
      () => {
        if (!target.welcomed) return; // still reconnecting from the last storm
        droppedAt = Date.now();
        target.drop();
        connectTarget();
      },
      Math.max(0, at - Date.now()),
    );
  }

  // Drain: leave once everything accepted arrived, or when the drain is over.
  const deadline = sendUntil + DRAIN_S * 1000;
  const check = setInterval(() => {
    const done = Date.now() > sendUntil && outstanding === 0 && [...accepted].every((id) => seen.has(id));
    if (!done && Date.now() < deadline) return;
    clearInterval(check);
    if (droppedAt > 0) reconnected.add(false);
    let logged = 0;
    for (const id of accepted) {
      if (seen.has(id)) continue;
      lost.add(1);
      if (logged++ < 20) console.warn(`lost id ${id} to ${instanceId}`);
    }
    target.close();
    sender.close();
  }, 200);
}

export const handleSummary = summarize("reconnect-storm");

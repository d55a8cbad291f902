// Broadcast under the rate limit: SENDERS virtual instances each try to broadcast every
// ATTEMPT_EVERY seconds, faster than the hub allows (one per CC2CC_BROADCAST_INTERVAL per
// sender, enforced in Redis across replicas). Checks that refused attempts get RATE_LIMITED,
// that no sender ever gets two broadcasts through within one interval, and measures how fast
// accepted broadcasts reach the other instances.
//
// Env: CC2CC_HUB_URL, CC2CC_API_KEY, SENDERS (10), DURATION s (30), ATTEMPT_EVERY s (1),
//      BROADCAST_INTERVAL_MS (5000, the hub's CC2CC_BROADCAST_INTERVAL), P50_MS (50), P95_MS (100),
//      P99_MS (250)
import exec from "k6/execution";
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, clearTimeout, setInterval, setTimeout } from "k6/timers";
import { makeInstanceId, sentAt, VirtualPlugin } from "./lib/plugin.js";
import { envInt, envSeconds, summarize } from "./lib/summary.js";

const SENDERS = envInt("SENDERS", 10);
const DURATION = envSeconds("DURATION", 30);
const ATTEMPT_EVERY = envSeconds("ATTEMPT_EVERY", 1);
const INTERVAL_MS = envInt("BROADCAST_INTERVAL_MS", 5000);
const SETTLE_S = Math.min(3, DURATION / 5);
const SEND_S = DURATION - SETTLE_S - 2;
// Fixed windows: a sender gets at most one per window; the first attempt opens a window.
const MIN_ACCEPTED_PER_SENDER = Math.max(
  1,
  Math.floor((SEND_S * 1000) / (INTERVAL_MS + ATTEMPT_EVERY * 1000)),
);
// Spacing is checked on the hub's own acceptance timestamps (taken right after the Redis
// window check), not on this script's send times, which a stalled k6 or hub would bunch up;
// the slack covers the step from Redis' clock to the hub's.
const SPACING_SLACK_MS = 100;

const accepted = new Counter("cc2cc_broadcast_accepted");
const limited = new Counter("cc2cc_broadcast_limited");
const overLimit = new Counter("cc2cc_over_limit");
const received = new Counter("cc2cc_received");
const errors = new Rate("cc2cc_errors");
const latency = new Trend("cc2cc_broadcast_latency", true);

export const options = {
  scenarios: {
    senders: {
      executor: "per-vu-iterations",
      vus: SENDERS,
      iterations: 1,
      maxDuration: `${Math.ceil(DURATION + 15)}s`,
      gracefulStop: "5s",
    },
  },
  thresholds: {
    cc2cc_broadcast_latency: [
      `p(50)<${envInt("P50_MS", 50)}`,
      `p(95)<${envInt("P95_MS", 100)}`,
      `p(99)<${envInt("P99_MS", 250)}`,
    ],
    cc2cc_errors: ["rate<0.01"],
    cc2cc_over_limit: ["count==0"],
    cc2cc_broadcast_limited: ["count>0"],
    cc2cc_broadcast_accepted: [`count>=${SENDERS * MIN_ACCEPTED_PER_SENDER}`],
    cc2cc_received: [`count>=${Math.floor(SENDERS * (SENDERS - 1) * MIN_ACCEPTED_PER_SENDER * 0.9)}`],
  },
  summaryTrendStats: ["avg", "med", "p(95)", "p(99)", "max"],
};

export function setup() {
  return { run: Date.now().toString(36) };
}

export default function ({ run }) {
  const started = Date.now();
  const tag = `bcast:${run}:`;
  let lastAcceptedAt = 0;
  const me = new VirtualPlugin({
    instanceId: makeInstanceId("k6-broadcast", `b${exec.scenario.iterationInTest}`),
    onConnectError: () => errors.add(true),
    onMessages: (messages, _requiresAck, now) => {
      for (const m of messages) {
        if (m.to !== "broadcast" || !m.content.includes(tag)) continue;
        received.add(1);
        latency.add(now - sentAt(m.content));
      }
    },
  });
  // Start together, after everyone is connected, so every broadcast has its full audience.
  let sending = null;
  const begin = setTimeout(() => {
    sending = setInterval(() => {
      if ((Date.now() - started) / 1000 > SETTLE_S + SEND_S) {
        clearInterval(sending);
        return;
      }
      const t0 = Date.now();
      me.request("broadcast", { type: "question", content: `t=${t0};${tag}`.padEnd(120, "x") }, (reply) => {
        if (reply?.ok) {
          accepted.add(1);
          const at = Date.parse(reply.data?.message?.timestamp ?? "");
          errors.add(!Number.isFinite(at));
          if (Number.isFinite(at)) {
            if (lastAcceptedAt > 0 && at - lastAcceptedAt < INTERVAL_MS - SPACING_SLACK_MS) overLimit.add(1);
            lastAcceptedAt = at;
          }
        } else if (reply?.error?.code === "RATE_LIMITED") {
          limited.add(1);
          errors.add(false);
        } else {
          errors.add(true);
        }
      });
    }, ATTEMPT_EVERY * 1000);
  }, SETTLE_S * 1000);
  setTimeout(() => {
    clearTimeout(begin);
    if (sending) clearInterval(sending);
    me.close();
  }, DURATION * 1000);
}

export const handleSummary = summarize("broadcast");

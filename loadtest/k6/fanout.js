// Topic fan-out: SUBSCRIBERS virtual instances subscribe to one topic; one publisher publishes
// to it every PUBLISH_EVERY seconds. Measures publish → receipt latency at every subscriber
// (its maximum per publish is the time to the last subscriber) and checks each subscriber got
// every publish made while it was subscribed. Subscribers count what they missed only once
// they saw the publisher's last publish, or after a bounded drain of DRAIN seconds, so that a
// late publish on a loaded box shows in the latency figures, not as missed.
//
// Env: CC2CC_HUB_URL, CC2CC_API_KEY, SUBSCRIBERS (100), PER_VU subscribers per VU (25),
//      DURATION s (30), DRAIN s (20), PUBLISH_EVERY s (1), PERSISTENT (0: live; 1: queued,
//      acked), P50_MS (50), P95_MS (100), P99_MS (250)
import exec from "k6/execution";
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, setInterval } from "k6/timers";
import { makeInstanceId, sentAt, VirtualPlugin } from "./lib/plugin.js";
import { envInt, envSeconds, summarize } from "./lib/summary.js";

const SUBSCRIBERS = envInt("SUBSCRIBERS", 100);
const PER_VU = Math.max(1, Math.min(envInt("PER_VU", 25), SUBSCRIBERS));
const SUB_VUS = Math.ceil(SUBSCRIBERS / PER_VU);
const DURATION = envSeconds("DURATION", 30);
const DRAIN_S = envSeconds("DRAIN", 20);
const PUBLISH_EVERY = envSeconds("PUBLISH_EVERY", 1);
const PERSISTENT = __ENV.PERSISTENT === "1";
// Subscribers connect during the first seconds; the publisher starts after them and stops
// early enough for the last publish to arrive before they leave.
const SETTLE_S = Math.min(5, DURATION / 3);
const PUBLISH_S = DURATION - SETTLE_S - 2;

const published = new Counter("cc2cc_published");
const received = new Counter("cc2cc_received");
const missed = new Counter("cc2cc_missed");
const errors = new Rate("cc2cc_errors");
const fanoutLatency = new Trend("cc2cc_fanout_latency", true);
const publishLatency = new Trend("cc2cc_publish_latency", true);

export const options = {
  scenarios: {
    subscribers: {
      executor: "per-vu-iterations",
      exec: "subscribers",
      vus: SUB_VUS,
      iterations: 1,
      maxDuration: `${Math.ceil(DURATION + DRAIN_S + 15)}s`,
      gracefulStop: "5s",
    },
    publisher: {
      executor: "per-vu-iterations",
      exec: "publisher",
      vus: 1,
      iterations: 1,
      startTime: `${SETTLE_S}s`,
      maxDuration: `${Math.ceil(DURATION + 10)}s`,
      gracefulStop: "5s",
    },
  },
  thresholds: {
    cc2cc_fanout_latency: [
      `p(50)<${envInt("P50_MS", 50)}`,
      `p(95)<${envInt("P95_MS", 100)}`,
      `p(99)<${envInt("P99_MS", 250)}`,
    ],
    cc2cc_errors: ["rate<0.01"],
    cc2cc_missed: ["count==0"],
    // A floor only (the exact check is cc2cc_missed): the first publish waits one period.
    cc2cc_received: [
      `count>=${Math.floor(SUBSCRIBERS * Math.max(1, Math.floor(PUBLISH_S / PUBLISH_EVERY) - 1) * 0.8)}`,
    ],
  },
  summaryTrendStats: ["avg", "med", "p(95)", "p(99)", "max"],
};

export function setup() {
  return { topic: `k6-fanout-${Date.now().toString(36)}` };
}

export function subscribers({ topic }) {
  const started = Date.now();
  const publishFrom = started + SETTLE_S * 1000;
  // VU numbers are global over scenarios; the iteration number is this scenario's own.
  const index = exec.scenario.iterationInTest;
  const count = Math.min(PER_VU, SUBSCRIBERS - index * PER_VU);
  const subs = [];
  for (let i = 0; i < count; i++) {
    const sub = { subscribedAt: Number.POSITIVE_INFINITY, seqs: new Set(), last: -1, plugin: null };
    sub.plugin = new VirtualPlugin({
      instanceId: makeInstanceId("k6-fanout", `sub${index}-${i}`),
      onConnectError: () => errors.add(true),
      onWelcome: () =>
        sub.plugin.request("subscribe_topic", { topic }, (reply) => {
          errors.add(reply?.ok !== true);
          if (reply?.ok) sub.subscribedAt = Date.now();
        }),
      onMessages: (messages, _requiresAck, now) => {
        for (const m of messages) {
          const n = seqOf(m.content);
          if (m.topic !== topic || sub.seqs.has(n)) continue;
          sub.seqs.add(n);
          if (m.content.includes(";end;")) sub.last = n;
          received.add(1);
          fanoutLatency.add(now - sentAt(m.content));
        }
      },
    });
    subs.push(sub);
  }
  // Every publish must reach every subscriber that was subscribed before it was made. The
  // publisher marks its last publish, so each subscriber knows how many there were; the VU
  // counts once all its subscribers saw it, or when the drain is over.
  const deadline = started + (DURATION + DRAIN_S) * 1000;
  const check = setInterval(() => {
    if (!subs.every((sub) => sub.last >= 0) && Date.now() < deadline) return;
    clearInterval(check);
    for (const sub of subs) {
      const first = sub.subscribedAt <= publishFrom ? 0 : Math.min(...sub.seqs);
      const last = sub.last >= 0 ? sub.last : Math.max(-1, ...sub.seqs) + 1;
      for (let n = first; n <= last; n++) if (!sub.seqs.has(n)) missed.add(1);
      if (sub.last < 0) errors.add(true); // never saw the final publish
      sub.plugin.close();
    }
  }, 200);
}

function seqOf(content) {
  const m = /;n=(\d+);/.exec(content);
  return m ? Number(m[1]) : -1;
}

export function publisher({ topic }) {
  const started = Date.now();
  const me = new VirtualPlugin({
    instanceId: makeInstanceId("k6-fanout", "pub"),
    onConnectError: () => errors.add(true),
  });
  let seq = 0;
  const publish = (last) => {
    const t0 = Date.now();
    const content = `t=${t0};n=${seq++};${last ? "end;" : ""}`.padEnd(200, "x");
    me.request(
      "publish_topic",
      { topic, type: "result", content, ...(PERSISTENT ? { persistent: true } : {}) },
      (reply) => {
        errors.add(reply?.ok !== true);
        if (reply?.ok) {
          published.add(1);
          publishLatency.add(Date.now() - t0);
        }
        if (last) me.close();
      },
    );
  };
  const timer = setInterval(() => {
    if (!me.welcomed) return;
    const last = (Date.now() - started) / 1000 + PUBLISH_EVERY > PUBLISH_S;
    publish(last);
    if (last) clearInterval(timer);
  }, PUBLISH_EVERY * 1000);
}

export const handleSummary = summarize("fanout");

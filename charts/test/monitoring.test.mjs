// ServiceMonitor, PrometheusRule and the Grafana dashboard, checked against a running hub.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  exportedFamilies,
  FULLNAME,
  familyOf,
  find,
  findAll,
  metricNames,
  readRepo,
  render,
  startHub,
} from "./helpers.mjs";

const monitoring = render({ values: ["charts/cc2cc/ci/monitoring-values.yaml"] });
const rule = find(monitoring, "PrometheusRule", FULLNAME);
const dashboardCm = find(render(), "ConfigMap", `${FULLNAME}-grafana-dashboard`);
const dashboard = JSON.parse(dashboardCm.data["cc2cc-hub.json"]);

function panelTargets(d) {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}
const dashboardExprs = [
  ...panelTargets(dashboard).map((t) => t.expr),
  ...dashboard.templating.list.filter((v) => v.type === "query").map((v) => v.definition),
];
const ruleExprs = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr));

/** Custom series declared by the hub (hub/src/metrics.ts), without prom-client's defaults. */
const hubMetrics = [...readRepo("hub/src/metrics.ts").matchAll(/name: "(cc2cc_[a-z0-9_]+)"/g)].map(
  (m) => m[1],
);

describe("ServiceMonitor", () => {
  test("monitoring.coreos.com/v1, selects the hub Service and scrapes /metrics on the http port", () => {
    const sm = find(monitoring, "ServiceMonitor", FULLNAME);
    assert.equal(sm.apiVersion, "monitoring.coreos.com/v1");
    assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
    const svc = find(monitoring, "Service", FULLNAME);
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      assert.equal(svc.metadata.labels[k], v);
    const redisSvc = find(monitoring, "Service", `${FULLNAME}-redis`);
    assert.ok(
      Object.entries(sm.spec.selector.matchLabels).some(([k, v]) => redisSvc.metadata.labels[k] !== v),
      "the Redis Service is not scraped",
    );
    assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ["cc2cc"] });
    const [ep] = sm.spec.endpoints;
    assert.equal(ep.port, "http");
    assert.equal(ep.path, "/metrics");
    assert.equal(svc.spec.ports[0].name, ep.port);
  });

  test("off by default, like the PrometheusRule", () => {
    const docs = render();
    assert.equal(findAll(docs, "ServiceMonitor").length, 0);
    assert.equal(findAll(docs, "PrometheusRule").length, 0);
  });
});

describe("PrometheusRule", () => {
  const alerts = Object.fromEntries(rule.spec.groups[0].rules.map((r) => [r.alert, r]));

  test("alerts on event-loop lag, queue depth, redelivery rate, Redis errors and latency, adapter errors", () => {
    assert.equal(rule.apiVersion, "monitoring.coreos.com/v1");
    assert.match(
      alerts.Cc2ccEventLoopLagHigh.expr,
      /cc2cc_nodejs_eventloop_lag_p99_seconds\{[^}]*\}\) > 0\.2$/,
    );
    assert.match(
      alerts.Cc2ccQueueDepthHigh.expr,
      /max by \(namespace\) \(cc2cc_queue_depth\{[^}]*\}\) > 5000$/,
    );
    assert.match(
      alerts.Cc2ccRedeliveryRateHigh.expr,
      /cc2cc_messages_redelivered_total[\s\S]*\/[\s\S]*cc2cc_messages_delivered_total[\s\S]*> 0\.1/,
    );
    assert.match(alerts.Cc2ccRedisErrors.expr, /rate\(cc2cc_engine_errors_total\{[^}]*\}\[5m\]\)\) > 0/);
    assert.match(alerts.Cc2ccAdapterErrors.expr, /rate\(cc2cc_adapter_errors_total\{[^}]*\}\[5m\]\)\) > 0/);
    assert.match(
      alerts.Cc2ccRedisSlow.expr,
      /histogram_quantile\(0\.99, .*cc2cc_engine_operation_duration_seconds_bucket.*\) > 0\.1/,
    );
    // 80 % of hub.queueMax (1000): warn before sends to a queue start being refused.
    assert.match(
      alerts.Cc2ccQueueNearlyFull.expr,
      /max by \(namespace\) \(cc2cc_queue_depth_max\{[^}]*\}\) > 800$/,
    );
    assert.ok(alerts.Cc2ccHubDown);
    for (const r of Object.values(alerts)) {
      assert.ok(r.labels.severity, `${r.alert} has a severity`);
      assert.ok(r.annotations.summary && r.annotations.description, `${r.alert} is described`);
    }
  });

  test("every expression is scoped to this release's job and namespace", () => {
    for (const expr of ruleExprs) {
      for (const selector of expr.matchAll(/\{([^}]*)\}/g)) {
        if (selector[1].includes("$labels") || selector[1].includes("$value")) continue;
        assert.match(selector[1], /job="demo-cc2cc", namespace="cc2cc"/, expr);
      }
    }
  });

  test("thresholds follow values; Prometheus template syntax survives Helm", () => {
    const custom = find(
      render({
        set: [
          "metrics.prometheusRule.enabled=true",
          "metrics.prometheusRule.queueDepth=42",
          "metrics.prometheusRule.for=3m",
        ],
      }),
      "PrometheusRule",
    );
    const depth = custom.spec.groups[0].rules.find((r) => r.alert === "Cc2ccQueueDepthHigh");
    assert.match(depth.expr, /> 42$/);
    assert.equal(depth.for, "3m");
    assert.match(alerts.Cc2ccEventLoopLagHigh.annotations.summary, /\{\{ \$labels\.pod \}\}/);
  });
});

describe("Grafana dashboard ConfigMap", () => {
  test('carries the sidecar label grafana_dashboard: "1" and a folder annotation', () => {
    assert.equal(dashboardCm.metadata.labels.grafana_dashboard, "1");
    assert.equal(dashboardCm.metadata.annotations.grafana_folder, "cc2cc");
    const moved = find(
      render({ values: ["charts/cc2cc/ci/monitoring-values.yaml"] }),
      "ConfigMap",
      `${FULLNAME}-grafana-dashboard`,
    );
    assert.equal(moved.metadata.namespace, "monitoring");
    assert.equal(findAll(render({ set: ["metrics.grafanaDashboard.enabled=false"] }), "ConfigMap").length, 3);
  });

  test("holds valid dashboard JSON with a Prometheus data source variable", () => {
    assert.equal(dashboard.uid, "cc2cc-hub");
    assert.ok(dashboard.title);
    assert.ok(dashboard.schemaVersion >= 36);
    const ds = dashboard.templating.list.find((v) => v.type === "datasource");
    assert.equal(ds.query, "prometheus");
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
    for (const p of dashboard.panels.filter((x) => x.type !== "row")) {
      assert.match(p.datasource.uid, /^\$\{datasource\}$/, `${p.title} uses the data source variable`);
      assert.ok(p.targets.length > 0, `${p.title} has queries`);
      assert.ok(p.gridPos.w > 0 && p.gridPos.h > 0);
    }
  });

  test("every query uses cc2cc_ metrics and is filtered by the namespace and replica variables", () => {
    for (const { panel, expr } of panelTargets(dashboard)) {
      assert.ok(metricNames(expr).size > 0, `${panel}: ${expr}`);
      assert.match(expr, /namespace=~"\$namespace", pod=~"\$pod"/, panel);
    }
  });

  test("shows every series the hub declares, and per-replica panels", () => {
    const used = new Set(
      dashboardExprs.flatMap((e) => [...metricNames(e)].map((n) => n.replace(/_(bucket|sum|count)$/, ""))),
    );
    assert.ok(hubMetrics.length >= 12, "hub/src/metrics.ts lists the hub's series");
    for (const name of hubMetrics) assert.ok(used.has(name), `the dashboard does not show ${name}`);
    const perReplica = panelTargets(dashboard).filter(
      (t) => /by \((le, )?pod\)|\{\{pod\}\}/.test(t.expr) || t.expr.includes("pod)"),
    );
    assert.ok(perReplica.length >= 10);
  });

  test("the chart ships the same JSON file the ConfigMap holds", () => {
    assert.deepEqual(JSON.parse(readRepo("charts/cc2cc/dashboards/cc2cc-hub.json")), dashboard);
  });
});

describe("a running hub exports every series the dashboard and the alerts query", () => {
  let hub;
  let families;
  before(async () => {
    hub = await startHub({ CC2CC_HUB_API_KEY: "chart-test-plugin-key-0123" });
    const res = await fetch(`${hub.url}/metrics`);
    assert.equal(res.status, 200);
    families = exportedFamilies(await res.text());
  });
  after(async () => {
    await hub?.stop();
  });

  test("dashboard queries", () => {
    for (const expr of dashboardExprs) {
      for (const name of metricNames(expr)) {
        assert.ok(familyOf(name, families), `dashboard queries ${name}, which the hub does not export`);
      }
    }
  });

  test("PrometheusRule expressions", () => {
    for (const expr of ruleExprs) {
      for (const name of metricNames(expr)) {
        assert.ok(familyOf(name, families), `an alert queries ${name}, which the hub does not export`);
      }
    }
  });

  test("names follow Prometheus conventions: _total counters, _seconds histograms", () => {
    for (const [name, type] of families) {
      if (!name.startsWith("cc2cc_")) continue;
      if (type === "counter") assert.match(name, /_total$/, name);
      if (type === "histogram") assert.match(name, /_(seconds|bytes)$/, name);
    }
  });
});

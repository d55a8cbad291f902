// Strict schema validation of everything rendered, offline. kubeconform needs JSON schemas
// fetched from GitHub, which CI cannot reach; kubecheck decodes each document into
// the Kubernetes Go types instead (all built-in APIs, Gateway API v1, monitoring.coreos.com/v1)
// with unknown fields, duplicate keys and wrong types as errors. It is built with Go from the
// module proxy, like helm, into .cache/bin (charts/test/tools/kubecheck).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { ciValues, goTool, readRepo, renderText, repoRoot } from "./helpers.mjs";

let bin;

function check(yamlText) {
  const res = spawnSync(bin, [], { input: yamlText, encoding: "utf8", timeout: 60_000 });
  if (res.error) throw res.error;
  return { status: res.status, lines: res.stdout.trim().split("\n").filter(Boolean) };
}

describe("strict validation against the Kubernetes API types (kubeconform -strict, offline)", () => {
  before(
    () => {
      bin = goTool("kubecheck");
    },
    { timeout: 900_000 },
  );

  test("the checker refuses a misspelled field, a wrong type and an unknown kind", () => {
    const bad = [
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replica: 2}\n",
      "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {ports: [{port: '80x'}]}\n",
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: c}\nspec: {rules: [{timeouts: {idle: 1s}}]}\n",
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: d}\n",
    ].join("---\n");
    const res = check(bad);
    assert.equal(res.status, 1);
    assert.equal(res.lines.filter((l) => l.startsWith("error ")).length, 4, res.lines.join("\n"));
    assert.match(res.lines[0], /unknown field "spec\.replica"/);
  });

  for (const file of ciValues) {
    test(`every object of ci/${file} decodes strictly`, () => {
      const res = check(renderText({ values: [`charts/cc2cc/ci/${file}`] }));
      assert.equal(res.status, 0, res.lines.filter((l) => !l.startsWith("ok ")).join("\n"));
      assert.ok(res.lines.length >= 7);
    });
  }

  test("optional objects all on at once decode strictly (ingress, route, HPA, monitoring, policies)", () => {
    const res = check(
      renderText({
        values: [
          "charts/cc2cc/ci/ingress-tls-values.yaml",
          "charts/cc2cc/ci/gateway-api-values.yaml",
          "charts/cc2cc/ci/monitoring-values.yaml",
          "charts/cc2cc/ci/networkpolicy-values.yaml",
        ],
      }),
    );
    assert.equal(res.status, 0, res.lines.join("\n"));
    for (const kind of [
      "Ingress",
      "HTTPRoute",
      "HorizontalPodAutoscaler",
      "ServiceMonitor",
      "PrometheusRule",
      "NetworkPolicy",
    ]) {
      assert.ok(
        res.lines.some((l) => l.startsWith("ok ") && l.includes(`/${kind} `)),
        `${kind} was checked`,
      );
    }
  });

  test("the dev values and Kubernetes 1.29 (exec preStop) decode strictly", () => {
    for (const opts of [{ release: "cc2cc", values: ["k8s/values-dev.yaml"] }, { kubeVersion: "1.29.0" }]) {
      const res = check(renderText(opts));
      assert.equal(res.status, 0, res.lines.join("\n"));
    }
  });

  test("the k8s/ dev manifests decode strictly", () => {
    const dir = join(repoRoot, "k8s", "dev");
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".yaml"))) {
      const res = check(readRepo(`k8s/dev/${f}`));
      assert.equal(res.status, 0, `${f}:\n${res.lines.join("\n")}`);
    }
  });
});

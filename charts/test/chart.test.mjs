// The chart rendered by the real helm: lint, the chart-testing scenarios, and the hub workload.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import {
  chartDir,
  ciValues,
  envMap,
  FULLNAME,
  find,
  findAll,
  helm,
  hub,
  NAMESPACE,
  readRepo,
  render,
  renderNotes,
  selects,
} from "./helpers.mjs";

const chart = parse(readRepo("charts/cc2cc/Chart.yaml"));

describe("helm lint and the chart-testing scenarios", () => {
  test("Chart.yaml is a Helm 3 application chart with an appVersion", () => {
    assert.equal(chart.apiVersion, "v2");
    assert.equal(chart.type, "application");
    assert.match(chart.version, /^\d+\.\d+\.\d+/);
    assert.ok(chart.appVersion);
  });

  test("the scenarios cover defaults, external Redis, Sentinel, TLS ingress, Gateway API, monitoring, NetworkPolicy", () => {
    for (const name of [
      "default",
      "external-redis",
      "sentinel",
      "ingress-tls",
      "gateway-api",
      "monitoring",
      "networkpolicy",
    ]) {
      assert.ok(ciValues.includes(`${name}-values.yaml`), `ci/${name}-values.yaml is missing`);
    }
  });

  for (const file of ciValues) {
    test(`helm lint --strict passes with ci/${file}`, () => {
      const res = helm(["lint", "--strict", chartDir, "-f", `${chartDir}/ci/${file}`]);
      assert.equal(res.status, 0, res.stdout + res.stderr);
    });

    test(`ci/${file} renders well-formed, uniquely named objects in the release namespace`, () => {
      const docs = render({ values: [`charts/cc2cc/ci/${file}`] });
      const seen = new Set();
      for (const d of docs) {
        assert.ok(
          d.apiVersion && d.kind && d.metadata?.name,
          `incomplete object ${JSON.stringify(d).slice(0, 120)}`,
        );
        assert.ok(d.metadata.name.length <= 63, `${d.metadata.name} is longer than 63 characters`);
        const id = `${d.kind}/${d.metadata.name}`;
        assert.ok(!seen.has(id), `${id} rendered twice`);
        seen.add(id);
        if (d.kind !== "ConfigMap" || !d.metadata.name.endsWith("grafana-dashboard")) {
          assert.equal(d.metadata.namespace, NAMESPACE, `${id} is not in the release namespace`);
        }
        assert.equal(
          d.metadata.labels?.["app.kubernetes.io/instance"],
          "demo",
          `${id} lacks the instance label`,
        );
      }
    });
  }
});

describe("hub Deployment", () => {
  const docs = render();
  const { deployment, pod, container } = hub(docs);

  test("runs 3 replicas by default and rolls with maxUnavailable 0", () => {
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.strategy.type, "RollingUpdate");
    assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
    assert.ok(deployment.spec.strategy.rollingUpdate.maxSurge >= 1);
  });

  test("selector matches the pod labels", () => {
    assert.ok(
      selects(deployment.spec.selector.matchLabels, pod.labels ?? deployment.spec.template.metadata.labels),
    );
    assert.equal(deployment.spec.template.metadata.labels["app.kubernetes.io/component"], "hub");
  });

  test("image defaults to the chart appVersion; a digest pins it", () => {
    assert.equal(container.image, `ghcr.io/cc2cc/hub:${chart.appVersion}`);
    const digest = `sha256:${"a".repeat(64)}`;
    const pinned = hub(render({ set: [`image.digest=${digest}`] })).container;
    assert.equal(pinned.image, `ghcr.io/cc2cc/hub@${digest}`);
  });

  test("probes: startup and liveness on /health, readiness on /ready, all on the http port", () => {
    assert.equal(container.startupProbe.httpGet.path, "/health");
    assert.equal(container.livenessProbe.httpGet.path, "/health");
    assert.equal(container.readinessProbe.httpGet.path, "/ready");
    for (const p of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      assert.equal(p.httpGet.port, "http");
    }
    assert.deepEqual(container.ports, [{ name: "http", containerPort: 3100, protocol: "TCP" }]);
  });

  test("pod and container security: non-root, read-only root, no escalation, no capabilities, seccomp", () => {
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
    const sc = container.securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.deepEqual(sc.capabilities.drop, ["ALL"]);
    assert.equal(sc.seccompProfile.type, "RuntimeDefault");
    const tmp = container.volumeMounts.find((m) => m.mountPath === "/tmp");
    assert.ok(pod.volumes.find((v) => v.name === tmp.name).emptyDir, "/tmp is a writable emptyDir");
  });

  test("ServiceAccount exists with token automount off, on the account and on the pod", () => {
    const sa = find(docs, "ServiceAccount", FULLNAME);
    assert.equal(sa.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, FULLNAME);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  test("topology spread across nodes counts only this revision's hub pods", () => {
    const byHost = pod.topologySpreadConstraints.find((c) => c.topologyKey === "kubernetes.io/hostname");
    assert.equal(byHost.maxSkew, 1);
    assert.ok(selects(byHost.labelSelector.matchLabels, deployment.spec.template.metadata.labels));
    assert.deepEqual(byHost.labelSelector.matchLabels, deployment.spec.selector.matchLabels);
    assert.deepEqual(byHost.matchLabelKeys, ["pod-template-hash"]);
  });

  test("resources set requests (for the HPA) and a memory limit", () => {
    assert.ok(container.resources.requests.cpu);
    assert.ok(container.resources.requests.memory);
    assert.ok(container.resources.limits.memory);
  });

  test("termination grace covers the preStop sleep plus the hub's CC2CC_SHUTDOWN_GRACE and its 2 s force-exit", () => {
    const cm = find(docs, "ConfigMap", FULLNAME);
    const grace = Number.parseInt(cm.data.CC2CC_SHUTDOWN_GRACE, 10);
    const sleep = container.lifecycle.preStop.sleep.seconds;
    assert.equal(grace, 10);
    assert.ok(sleep > 0);
    assert.ok(pod.terminationGracePeriodSeconds >= sleep + grace + 2);
    const longer = render({ set: ["hub.shutdownGraceSeconds=40"] });
    assert.equal(find(longer, "ConfigMap", FULLNAME).data.CC2CC_SHUTDOWN_GRACE, "40s");
    assert.ok(hub(longer).pod.terminationGracePeriodSeconds >= sleep + 40 + 2);
  });

  test("preStop uses an exec sleep before Kubernetes 1.30 (no sleep action there)", () => {
    const old = hub(render({ kubeVersion: "1.29.0" })).container;
    assert.deepEqual(old.lifecycle.preStop.exec.command, ["sleep", "5"]);
  });

  test("settings come from the ConfigMap; the replica name from the pod name", () => {
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: FULLNAME } }]);
    assert.equal(envMap(container).CC2CC_REPLICA_NAME.valueFrom.fieldRef.fieldPath, "metadata.name");
    const cm = find(docs, "ConfigMap", FULLNAME);
    assert.equal(cm.data.CC2CC_HUB_PORT, "3100");
    assert.equal(cm.data.CC2CC_QUEUE_MAX, "1000");
    assert.equal(cm.data.CC2CC_DASHBOARD_DIR, "/app/dashboard");
  });

  test("every CC2CC_ setting the chart passes is one the hub reads (hub/src/config.ts)", () => {
    const known = new Set(readRepo("hub/src/config.ts").match(/\bCC2CC_[A-Z0-9_]+/g));
    for (const values of [
      [],
      ["charts/cc2cc/ci/external-redis-values.yaml"],
      ["charts/cc2cc/ci/existing-secret-values.yaml"],
    ]) {
      const d = render({ values, set: ["hub.corsOrigins[0]=https://a.lan"] });
      // CC2CC_REDIS_PASSWORD only feeds the $(...) expansion of CC2CC_REDIS_URL.
      const names = [
        ...Object.keys(find(d, "ConfigMap", FULLNAME).data),
        ...hub(d).container.env.map((e) => e.name),
      ].filter((n) => n.startsWith("CC2CC_") && n !== "CC2CC_REDIS_PASSWORD");
      assert.ok(names.length >= 20);
      for (const n of names) assert.ok(known.has(n), `${n} is not read by the hub`);
    }
  });

  test("config and secret-input checksums roll the pods when settings change", () => {
    const a = deployment.spec.template.metadata.annotations;
    const b = hub(render({ set: ["hub.queueMax=50"] })).deployment.spec.template.metadata.annotations;
    assert.notEqual(a["checksum/config"], b["checksum/config"]);
    const c = hub(render({ set: ["auth.hubApiKey=rotated-key-0123456789"] })).deployment.spec.template
      .metadata.annotations;
    assert.notEqual(a["checksum/secret"], c["checksum/secret"]);
    // Generated keys differ on every `helm template`; the checksum must not.
    assert.equal(
      a["checksum/secret"],
      hub(render()).deployment.spec.template.metadata.annotations["checksum/secret"],
    );
  });
});

describe("Service, Ingress and HTTPRoute", () => {
  test("Service: ClusterIP on 3100, no session affinity, selects the hub pods only", () => {
    const docs = render();
    const svc = find(docs, "Service", FULLNAME);
    assert.equal(svc.spec.type, "ClusterIP");
    assert.deepEqual(svc.spec.ports[0], {
      name: "http",
      port: 3100,
      targetPort: "http",
      protocol: "TCP",
      appProtocol: "http",
    });
    assert.equal(svc.spec.sessionAffinity, undefined);
    assert.deepEqual(svc.spec.selector, hub(docs).deployment.spec.selector.matchLabels);
  });

  test("no Ingress or HTTPRoute by default", () => {
    const docs = render();
    assert.equal(findAll(docs, "Ingress").length, 0);
    assert.equal(findAll(docs, "HTTPRoute").length, 0);
  });

  test("Ingress: class, host, TLS, backend, one-hour WebSocket timeouts, no sticky-session annotations", () => {
    const ing = find(render({ values: ["charts/cc2cc/ci/ingress-tls-values.yaml"] }), "Ingress");
    assert.equal(ing.apiVersion, "networking.k8s.io/v1");
    assert.equal(ing.spec.ingressClassName, "traefik");
    assert.deepEqual(ing.spec.tls, [{ hosts: ["cc2cc.lan"], secretName: "cc2cc-tls" }]);
    const rule = ing.spec.rules[0];
    assert.equal(rule.host, "cc2cc.lan");
    assert.deepEqual(rule.http.paths[0].backend, { service: { name: FULLNAME, port: { name: "http" } } });
    const an = ing.metadata.annotations;
    assert.equal(an["nginx.ingress.kubernetes.io/proxy-read-timeout"], "3600");
    assert.equal(an["nginx.ingress.kubernetes.io/proxy-send-timeout"], "3600");
    assert.equal(an["traefik.ingress.kubernetes.io/router.entrypoints"], "websecure");
    assert.ok(!Object.keys(an).some((k) => /affinity|sticky|session-cookie/.test(k)));
  });

  test("Ingress timeouts can be turned off, and a host without paths routes /", () => {
    const ing = find(
      render({
        set: ["ingress.enabled=true", "ingress.websocketTimeoutSeconds=0", "ingress.hosts[0].host=hub.lan"],
      }),
      "Ingress",
    );
    assert.equal(ing.metadata.annotations, undefined);
    assert.deepEqual(ing.spec.rules[0].http.paths[0].path, "/");
  });

  test("HTTPRoute (Gateway API v1): parent Gateway, hostnames, backend port, timeouts", () => {
    const docs = render({ values: ["charts/cc2cc/ci/gateway-api-values.yaml"] });
    const route = find(docs, "HTTPRoute", FULLNAME);
    assert.equal(route.apiVersion, "gateway.networking.k8s.io/v1");
    assert.deepEqual(route.spec.parentRefs, [
      { name: "lan-gateway", namespace: "gateway-system", sectionName: "https" },
    ]);
    assert.deepEqual(route.spec.hostnames, ["cc2cc.lan"]);
    const rule = route.spec.rules[0];
    assert.deepEqual(rule.matches, [{ path: { type: "PathPrefix", value: "/" } }]);
    assert.deepEqual(rule.backendRefs, [{ name: FULLNAME, port: 3100 }]);
    assert.deepEqual(rule.timeouts, { request: "0s" });
    assert.equal(findAll(docs, "Ingress").length, 0);
  });

  test("values comments say WebSocket-only transport needs no sticky sessions", () => {
    assert.match(readRepo("charts/cc2cc/values.yaml"), /WebSocket only[\s\S]{0,200}no sticky sessions/);
  });
});

describe("HorizontalPodAutoscaler and PodDisruptionBudget", () => {
  test("HPA: CPU and optional memory, slow scale-down, and the Deployment leaves replicas to it", () => {
    const docs = render({ values: ["charts/cc2cc/ci/monitoring-values.yaml"] });
    const hpa = find(docs, "HorizontalPodAutoscaler", FULLNAME);
    assert.equal(hpa.apiVersion, "autoscaling/v2");
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: FULLNAME });
    assert.equal(hpa.spec.minReplicas, 3);
    assert.equal(hpa.spec.maxReplicas, 8);
    const byName = Object.fromEntries(hpa.spec.metrics.map((m) => [m.resource.name, m.resource.target]));
    assert.deepEqual(byName.cpu, { type: "Utilization", averageUtilization: 70 });
    assert.deepEqual(byName.memory, { type: "Utilization", averageUtilization: 80 });
    const down = hpa.spec.behavior.scaleDown;
    assert.ok(down.stabilizationWindowSeconds >= 300, "scale-down waits at least 5 minutes");
    assert.deepEqual(down.policies, [{ type: "Pods", value: 1, periodSeconds: 300 }]);
    assert.equal(hub(docs).deployment.spec.replicas, undefined);
  });

  test("no HPA by default, and no memory metric unless asked", () => {
    assert.equal(findAll(render(), "HorizontalPodAutoscaler").length, 0);
    const hpa = find(render({ set: ["autoscaling.enabled=true"] }), "HorizontalPodAutoscaler");
    assert.deepEqual(
      hpa.spec.metrics.map((m) => m.resource.name),
      ["cpu"],
    );
  });

  test("PDB: one pod down at a time, selecting the hub pods", () => {
    const docs = render();
    const pdb = find(docs, "PodDisruptionBudget", FULLNAME);
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.equal(pdb.spec.minAvailable, undefined);
    assert.deepEqual(pdb.spec.selector.matchLabels, hub(docs).deployment.spec.selector.matchLabels);
    const min = find(render({ set: ["podDisruptionBudget.minAvailable=2"] }), "PodDisruptionBudget");
    assert.equal(min.spec.minAvailable, 2);
    assert.equal(min.spec.maxUnavailable, undefined);
  });

  test("no PDB when disabled or with a single replica", () => {
    assert.equal(
      findAll(render({ set: ["podDisruptionBudget.enabled=false"] }), "PodDisruptionBudget").length,
      0,
    );
    assert.equal(
      findAll(render({ values: ["charts/cc2cc/ci/minimal-values.yaml"] }), "PodDisruptionBudget").length,
      0,
    );
  });
});

describe("NOTES.txt", () => {
  test("tells the dashboard URL, the CC2CC_HUB_URL and how to read the keys", () => {
    const notes = renderNotes({ values: ["charts/cc2cc/ci/ingress-tls-values.yaml"] });
    assert.match(notes, /https:\/\/cc2cc\.lan\//);
    assert.match(notes, /CC2CC_HUB_URL=https:\/\/cc2cc\.lan\n/);
    assert.match(notes, /get secret demo-cc2cc -o jsonpath='\{\.data\.hub-api-key\}' \| base64 -d/);
    assert.match(notes, /\{\.data\.dashboard-api-key\}/);
    assert.match(notes, /helm test demo -n cc2cc/);
  });

  test("with a Gateway API route it points plugins at the route's hostname", () => {
    const notes = renderNotes({ values: ["charts/cc2cc/ci/gateway-api-values.yaml"] });
    assert.match(notes, /CC2CC_HUB_URL=https:\/\/cc2cc\.lan\n/);
    assert.match(notes, /HTTPRoute demo-cc2cc attached to lan-gateway/);
  });

  test("without ingress it explains the port-forward; without Redis it warns", () => {
    const notes = renderNotes({ values: ["charts/cc2cc/ci/minimal-values.yaml"] });
    assert.match(notes, /port-forward svc\/demo-cc2cc 3100:3100/);
    assert.match(notes, /CC2CC_HUB_URL=http:\/\/127\.0\.0\.1:3100/);
    assert.match(notes, /WARNING: no Redis/);
  });
});

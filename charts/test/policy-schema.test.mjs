// NetworkPolicies (selectors must match the real pod labels) and the rejection of bad values.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FULLNAME, find, findAll, hub, render, renderError, selects } from "./helpers.mjs";

describe("NetworkPolicy", () => {
  const docs = render({ values: ["charts/cc2cc/ci/networkpolicy-values.yaml"] });
  const hubPolicy = find(docs, "NetworkPolicy", FULLNAME);
  const redisPolicy = find(docs, "NetworkPolicy", `${FULLNAME}-redis`);
  const hubLabels = hub(docs).deployment.spec.template.metadata.labels;
  const redisLabels = find(docs, "StatefulSet", `${FULLNAME}-redis`).spec.template.metadata.labels;
  const testLabels = find(docs, "Pod", `${FULLNAME}-test`).metadata.labels;

  test("off by default", () => {
    assert.equal(findAll(render(), "NetworkPolicy").length, 0);
  });

  test("the hub policy selects exactly the hub pods", () => {
    assert.ok(selects(hubPolicy.spec.podSelector.matchLabels, hubLabels));
    assert.ok(!selects(hubPolicy.spec.podSelector.matchLabels, redisLabels));
    assert.deepEqual(hubPolicy.spec.policyTypes, ["Ingress", "Egress"]);
  });

  test("only the ingress controller, Prometheus and the test pod reach the hub port", () => {
    const rules = hubPolicy.spec.ingress;
    for (const r of rules) assert.deepEqual(r.ports, [{ port: "http", protocol: "TCP" }]);
    const peers = rules.flatMap((r) => r.from);
    assert.ok(
      peers.some(
        (p) => p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "ingress-nginx",
      ),
    );
    assert.ok(peers.some((p) => p.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "traefik"));
    assert.ok(peers.some((p) => p.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "prometheus"));
    const testPeer = peers.find(
      (p) => p.podSelector?.matchLabels?.["app.kubernetes.io/component"] === "test",
    );
    assert.ok(selects(testPeer.podSelector.matchLabels, testLabels), "the helm test pod may reach the hub");
    assert.ok(!peers.some((p) => Object.keys(p).length === 0), "no allow-all peer");
  });

  test("restricted hub egress: DNS and the Redis pods only", () => {
    const egress = hubPolicy.spec.egress;
    assert.equal(egress.length, 2);
    assert.deepEqual(egress[0].ports.map((p) => `${p.port}/${p.protocol}`).sort(), ["53/TCP", "53/UDP"]);
    assert.ok(selects(egress[1].to[0].podSelector.matchLabels, redisLabels));
    assert.deepEqual(egress[1].ports, [{ port: 6379, protocol: "TCP" }]);
  });

  test("only the hub reaches Redis, and Redis reaches nothing", () => {
    assert.ok(selects(redisPolicy.spec.podSelector.matchLabels, redisLabels));
    assert.ok(!selects(redisPolicy.spec.podSelector.matchLabels, hubLabels));
    assert.equal(redisPolicy.spec.ingress.length, 1);
    const [peer] = redisPolicy.spec.ingress[0].from;
    assert.deepEqual(Object.keys(peer), ["podSelector"], "same namespace, hub pods only");
    assert.ok(selects(peer.podSelector.matchLabels, hubLabels));
    assert.ok(!selects(peer.podSelector.matchLabels, testLabels));
    assert.deepEqual(redisPolicy.spec.ingress[0].ports, [{ port: "redis", protocol: "TCP" }]);
    assert.deepEqual(redisPolicy.spec.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(redisPolicy.spec.egress, []);
  });

  test("external Redis: egress goes to the configured peers and ports; no Redis policy", () => {
    const ext = render({
      values: ["charts/cc2cc/ci/external-redis-values.yaml"],
      set: [
        "networkPolicy.enabled=true",
        "networkPolicy.egress.enabled=true",
        "networkPolicy.egress.redisTo[0].ipBlock.cidr=10.0.0.5/32",
      ],
    });
    assert.equal(findAll(ext, "NetworkPolicy").length, 1);
    const rule = find(ext, "NetworkPolicy", FULLNAME).spec.egress[1];
    assert.deepEqual(rule.to, [{ ipBlock: { cidr: "10.0.0.5/32" } }]);
    assert.deepEqual(
      rule.ports.map((p) => p.port),
      [6379, 26379],
    );
  });
});

describe("values.schema.json and template checks reject bad values with a clear message", () => {
  const schemaCases = [
    [["replicaCount=0"], /at '\/replicaCount': minimum: got 0, want 1/],
    [["replicaCount=three"], /at '\/replicaCount': got string, want integer/],
    [["replicas=3"], /additional properties 'replicas' not allowed/],
    [
      ["image.pullPolicy=Sometimes"],
      /at '\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/,
    ],
    [["image.digest=latest"], /at '\/image\/digest'/],
    [["hub.queueTtl=seven days"], /at '\/hub\/queueTtl'/],
    [["hub.maxContentBytes=1000000"], /at '\/hub\/maxContentBytes': maximum/],
    [["hub.logLevel=loud"], /at '\/hub\/logLevel'/],
    [["service.type=Foo"], /at '\/service\/type'/],
    [["auth.hubApiKey=short"], /at '\/auth\/hubApiKey'/],
    [["externalRedis.url=http://redis.lan"], /at '\/externalRedis\/url'/],
    [["externalRedis.sentinel.sentinels[0]=no-port"], /at '\/externalRedis\/sentinel\/sentinels\/0'/],
    [["updateStrategy.type=Recreate"], /at '\/updateStrategy\/type'/],
    [["httpRoute.timeouts.request=1 hour"], /at '\/httpRoute\/timeouts\/request'/],
    [["redis.persistence.size=lots"], /at '\/redis\/persistence\/size'/],
    [["metrics.prometheusRule.redeliveryRatio=2"], /at '\/metrics\/prometheusRule\/redeliveryRatio'/],
    [["hub.config.MAX_HOPS=8"], /'MAX_HOPS' does not match pattern '\^CC2CC_/],
  ];
  for (const [set, message] of schemaCases) {
    test(`schema: ${set.join(" ")}`, () => {
      const err = renderError({ set });
      assert.match(err, /values don't meet the specifications of the schema/);
      assert.match(err, message);
    });
  }

  const templateCases = [
    [
      ["externalRedis.url=redis://redis.lan:6379"],
      /redis\.enabled=true and externalRedis are both set; use one/,
    ],
    [
      ["redis.enabled=false", "externalRedis.sentinel.enabled=true"],
      /needs externalRedis\.sentinel\.sentinels/,
    ],
    [
      ["redis.enabled=false", "externalRedis.url=redis://a:1", "externalRedis.existingSecret=s"],
      /either externalRedis\.url .* or externalRedis\.existingSecret/,
    ],
    [
      ["redis.enabled=false", "externalRedis.url=redis://r:6379", "externalRedis.tls.enabled=true"],
      /use a rediss:\/\/ URL for TLS/,
    ],
    [["terminationGracePeriodSeconds=10"], /terminationGracePeriodSeconds \(10\) must be at least .* \(17\)/],
    [
      ["ingress.enabled=true", "ingress.hosts=null"],
      /ingress\.enabled=true needs at least one entry in ingress\.hosts/,
    ],
    [
      ["httpRoute.enabled=true", "httpRoute.parentRefs=null"],
      /httpRoute\.enabled=true needs httpRoute\.parentRefs/,
    ],
    [
      ["autoscaling.enabled=true", "autoscaling.minReplicas=5", "autoscaling.maxReplicas=2"],
      /minReplicas \(5\) is greater than autoscaling\.maxReplicas \(2\)/,
    ],
    [
      ["hub.extraEnv[0].name=OPENAI_API_KEY", "hub.extraEnv[0].value=sk-literal"],
      /hub\.extraEnv\[0\] \(OPENAI_API_KEY\) has a literal value/,
    ],
    [
      ["hub.config.CC2CC_HUB_API_KEY=abcdefghijkl"],
      /hub\.config\.CC2CC_HUB_API_KEY would put a secret in the ConfigMap/,
    ],
    [["hub.config.CC2CC_QUEUE_MAX=5"], /hub\.config\.CC2CC_QUEUE_MAX is set by the chart from its own value/],
  ];
  for (const [set, message] of templateCases) {
    test(`template: ${set.join(" ")}`, () => {
      assert.match(renderError({ set }), message);
    });
  }

  test("good values in the documented formats pass", () => {
    const docs = render({
      set: [
        "hub.queueTtl=36h",
        "hub.presenceTtl=45000",
        "auth.hubApiKey=first-key-0123\\,second-key-4567",
        "terminationGracePeriodSeconds=17",
        "hub.config.CC2CC_MAX_HOPS=8",
        "hub.config.CC2CC_MESSAGE_TTL=12h",
      ],
    });
    assert.equal(hub(docs).pod.terminationGracePeriodSeconds, 17);
    const cm = find(docs, "ConfigMap", FULLNAME).data;
    assert.equal(cm.CC2CC_QUEUE_TTL, "36h");
    assert.equal(cm.CC2CC_PRESENCE_TTL, "45000");
    assert.equal(cm.CC2CC_MAX_HOPS, "8");
    assert.equal(cm.CC2CC_MESSAGE_TTL, "12h");
  });
});

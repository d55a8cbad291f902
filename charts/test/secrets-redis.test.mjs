// Keys and Redis credentials: where they live, how they are generated, and the Redis modes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  envMap,
  FULLNAME,
  find,
  findAll,
  hub,
  readRepo,
  render,
  renderError,
  renderText,
} from "./helpers.mjs";

const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s) => Buffer.from(s, "base64").toString("utf8");
const REDIS = `${FULLNAME}-redis`;

describe("API keys", () => {
  const PLUGIN_KEY = "plugin-key-7f3a9c2e41d8";
  const DASH_KEY = "dashboard-key-5b6e0d9a13c7";
  const REDIS_PW = "redisPassword0123456789";
  const set = [
    `auth.hubApiKey=${PLUGIN_KEY}`,
    `auth.dashboardApiKey=${DASH_KEY}`,
    `redis.auth.password=${REDIS_PW}`,
  ];

  test("no key or password appears outside the Secret: not in ConfigMaps, not in env literals", () => {
    const docs = render({ set });
    const secret = find(docs, "Secret", FULLNAME);
    assert.equal(unb64(secret.data["hub-api-key"]), PLUGIN_KEY);
    assert.equal(unb64(secret.data["dashboard-api-key"]), DASH_KEY);
    assert.equal(unb64(secret.data["redis-password"]), REDIS_PW);
    for (const doc of docs.filter((d) => d.kind !== "Secret")) {
      const text = JSON.stringify(doc);
      for (const value of [PLUGIN_KEY, DASH_KEY, REDIS_PW]) {
        assert.ok(!text.includes(value), `${doc.kind}/${doc.metadata.name} contains a secret value`);
        assert.ok(
          !text.includes(b64(value)),
          `${doc.kind}/${doc.metadata.name} contains a base64 secret value`,
        );
      }
    }
  });

  test("every secret-looking env var of every container is a secretKeyRef", () => {
    for (const values of [
      [],
      ["charts/cc2cc/ci/sentinel-values.yaml"],
      ["charts/cc2cc/ci/existing-secret-values.yaml"],
    ]) {
      const docs = render({ values, set });
      const pods = [
        ...findAll(docs, "Deployment").map((d) => d.spec.template.spec),
        ...findAll(docs, "StatefulSet").map((d) => d.spec.template.spec),
        ...findAll(docs, "Pod").map((d) => d.spec),
      ];
      for (const pod of pods) {
        for (const c of pod.containers) {
          for (const e of c.env ?? []) {
            if (/KEY|PASSWORD|SECRET|AUTH|TOKEN/.test(e.name)) {
              assert.ok(e.valueFrom?.secretKeyRef, `${c.name}: ${e.name} must come from a Secret`);
            }
          }
        }
      }
    }
  });

  test("keys are generated (48 random characters) when not given, never a fixed default", () => {
    const first = find(render(), "Secret", FULLNAME).data;
    const second = find(render(), "Secret", FULLNAME).data;
    for (const key of ["hub-api-key", "dashboard-api-key", "redis-password"]) {
      assert.notEqual(first[key], second[key], `${key} must be random`);
    }
    assert.match(unb64(first["hub-api-key"]), /^[A-Za-z0-9]{48}$/);
    assert.match(unb64(first["dashboard-api-key"]), /^[A-Za-z0-9]{48}$/);
    assert.notEqual(first["hub-api-key"], first["dashboard-api-key"]);
  });

  test("the Secret template reads existing values back with lookup, so upgrades keep the keys", () => {
    const tpl = readRepo("charts/cc2cc/templates/secret.yaml");
    assert.match(tpl, /lookup "v1" "Secret" \.Release\.Namespace \$name/);
    // Order: a value from values.yaml, else the one in the live Secret, else a new random one.
    assert.match(
      tpl,
      /\.Values\.auth\.hubApiKey \| b64enc \| default \(get \$data \$hubKey\) \| default \(randAlphaNum 48/,
    );
    assert.match(tpl, /\.Values\.redis\.auth\.password \| default \(\(get \$data "redis-password"\)/);
  });

  test("the hub reads both keys from the chart's Secret", () => {
    const env = envMap(hub(render()).container);
    assert.deepEqual(env.CC2CC_HUB_API_KEY.valueFrom.secretKeyRef, { name: FULLNAME, key: "hub-api-key" });
    assert.deepEqual(env.CC2CC_DASHBOARD_API_KEY.valueFrom.secretKeyRef, {
      name: FULLNAME,
      key: "dashboard-api-key",
    });
  });

  test("existingSecret: the chart renders no key Secret and the hub reads the named one", () => {
    const docs = render({ values: ["charts/cc2cc/ci/existing-secret-values.yaml"] });
    assert.equal(
      findAll(docs, "Secret").length,
      0,
      "both keys and the Redis password come from existing Secrets",
    );
    const env = envMap(hub(docs).container);
    assert.deepEqual(env.CC2CC_HUB_API_KEY.valueFrom.secretKeyRef, {
      name: "cc2cc-keys",
      key: "hub-api-key",
    });
    assert.equal(env.CC2CC_DASHBOARD_API_KEY.valueFrom.secretKeyRef.optional, true);
    const test = find(docs, "Pod", `${FULLNAME}-test`).spec.containers[0];
    assert.equal(envMap(test).CC2CC_HUB_API_KEY.valueFrom.secretKeyRef.name, "cc2cc-keys");
  });

  test("existingSecret for keys only: the chart's Secret keeps just the Redis credentials", () => {
    const secret = find(render({ set: ["auth.existingSecret=cc2cc-keys"] }), "Secret", FULLNAME);
    assert.deepEqual(Object.keys(secret.data).sort(), ["redis-password", "redis-url"]);
  });

  test("one plugin key only: no dashboard key when auth.dashboardKeyEnabled=false", () => {
    const docs = render({ set: ["auth.dashboardKeyEnabled=false"] });
    assert.equal(find(docs, "Secret", FULLNAME).data["dashboard-api-key"], undefined);
    assert.equal(envMap(hub(docs).container).CC2CC_DASHBOARD_API_KEY, undefined);
  });
});

describe("built-in Redis", () => {
  const docs = render();
  const sts = find(docs, "StatefulSet", REDIS);
  const pod = sts.spec.template.spec;
  const redis = pod.containers[0];

  test("a single StatefulSet of the official redis image behind a Service and a headless Service", () => {
    assert.equal(sts.spec.replicas, 1);
    assert.match(redis.image, /^docker\.io\/library\/redis:7\.\d+/);
    assert.equal(sts.spec.serviceName, `${REDIS}-headless`);
    assert.equal(find(docs, "Service", `${REDIS}-headless`).spec.clusterIP, "None");
    const svc = find(docs, "Service", REDIS);
    assert.deepEqual(svc.spec.selector, sts.spec.selector.matchLabels);
    assert.equal(svc.spec.ports[0].port, 6379);
  });

  test("redis.conf: AOF on with fsync every second, noeviction", () => {
    const conf = find(docs, "ConfigMap", REDIS).data["redis.conf"];
    assert.match(conf, /^appendonly yes$/m);
    assert.match(conf, /^appendfsync everysec$/m);
    assert.match(conf, /^maxmemory-policy noeviction$/m);
    assert.doesNotMatch(conf, /^\s*requirepass/m, "the password never goes into the ConfigMap");
    const limited = find(render({ set: ["redis.maxmemory=400mb"] }), "ConfigMap", REDIS).data["redis.conf"];
    assert.match(limited, /^maxmemory 400mb$/m);
  });

  test("the password comes from the Secret and is passed at start", () => {
    assert.deepEqual(redis.command, ["sh", "-c"]);
    assert.match(
      redis.args[0],
      /^exec redis-server \/etc\/redis\/redis\.conf --requirepass "\$REDIS_PASSWORD"$/,
    );
    const env = envMap(redis);
    assert.deepEqual(env.REDIS_PASSWORD.valueFrom.secretKeyRef, { name: FULLNAME, key: "redis-password" });
    assert.deepEqual(env.REDISCLI_AUTH.valueFrom.secretKeyRef, { name: FULLNAME, key: "redis-password" });
  });

  test("data on a PersistentVolumeClaim mounted at /data", () => {
    const [pvc] = sts.spec.volumeClaimTemplates;
    assert.equal(pvc.metadata.name, "data");
    assert.deepEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
    assert.equal(pvc.spec.resources.requests.storage, "2Gi");
    assert.equal(redis.volumeMounts.find((m) => m.name === "data").mountPath, "/data");
    const custom = find(
      render({ set: ["redis.persistence.storageClass=fast", "redis.persistence.size=10Gi"] }),
      "StatefulSet",
      REDIS,
    );
    assert.equal(custom.spec.volumeClaimTemplates[0].spec.storageClassName, "fast");
    assert.equal(custom.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
  });

  test("without persistence the data volume is an emptyDir", () => {
    const plain = find(render({ set: ["redis.persistence.enabled=false"] }), "StatefulSet", REDIS);
    assert.equal(plain.spec.volumeClaimTemplates, undefined);
    assert.deepEqual(
      plain.spec.template.spec.volumes.find((v) => v.name === "data"),
      { name: "data", emptyDir: {} },
    );
  });

  test("runs as the redis user with a read-only root, probes via redis-cli", () => {
    assert.equal(pod.securityContext.runAsUser, 999);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(redis.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(redis.securityContext.capabilities.drop, ["ALL"]);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.match(redis.readinessProbe.exec.command.join(" "), /redis-cli -h 127\.0\.0\.1 ping/);
  });

  test("the hub's CC2CC_REDIS_URL comes from the Secret and points at the Redis Service with the password", () => {
    const env = envMap(hub(docs).container);
    assert.deepEqual(env.CC2CC_REDIS_URL.valueFrom.secretKeyRef, { name: FULLNAME, key: "redis-url" });
    const secret = find(docs, "Secret", FULLNAME).data;
    const password = unb64(secret["redis-password"]);
    assert.equal(unb64(secret["redis-url"]), `redis://:${password}@${REDIS}:6379/0`);
  });

  test("redis.auth.existingSecret: both sides read it, the URL expands the password at start", () => {
    const d = render({
      set: ["redis.auth.existingSecret=my-redis", "redis.auth.existingSecretPasswordKey=pw"],
    });
    const redisEnv = envMap(find(d, "StatefulSet", REDIS).spec.template.spec.containers[0]);
    assert.deepEqual(redisEnv.REDIS_PASSWORD.valueFrom.secretKeyRef, { name: "my-redis", key: "pw" });
    const hubEnv = hub(d).container.env;
    const names = hubEnv.map((e) => e.name);
    assert.ok(names.indexOf("CC2CC_REDIS_PASSWORD") < names.indexOf("CC2CC_REDIS_URL"), "defined before use");
    assert.equal(
      hubEnv.find((e) => e.name === "CC2CC_REDIS_URL").value,
      `redis://:$(CC2CC_REDIS_PASSWORD)@${REDIS}:6379/0`,
    );
    assert.equal(find(d, "Secret", FULLNAME).data["redis-password"], undefined);
  });
});

describe("external Redis", () => {
  test("by URL: no Redis objects; the URL (no credentials) in the ConfigMap; TLS CA trusted", () => {
    const docs = render({ values: ["charts/cc2cc/ci/external-redis-values.yaml"] });
    assert.equal(findAll(docs, "StatefulSet").length, 0);
    assert.ok(!docs.some((d) => d.metadata.name.startsWith(REDIS)));
    assert.equal(find(docs, "ConfigMap", FULLNAME).data.CC2CC_REDIS_URL, "rediss://redis.lan:6380/0");
    const { pod, container } = hub(docs);
    const env = envMap(container);
    assert.equal(env.CC2CC_REDIS_URL, undefined, "not duplicated in env");
    assert.equal(env.NODE_EXTRA_CA_CERTS.value, "/etc/cc2cc/redis-ca/ca.crt");
    assert.equal(container.volumeMounts.find((m) => m.name === "redis-ca").mountPath, "/etc/cc2cc/redis-ca");
    assert.equal(pod.volumes.find((v) => v.name === "redis-ca").secret.secretName, "redis-ca");
    assert.deepEqual(Object.keys(find(docs, "Secret", FULLNAME).data).sort(), [
      "dashboard-api-key",
      "hub-api-key",
    ]);
  });

  test("URL with credentials from an existing Secret", () => {
    const docs = render({ values: ["charts/cc2cc/ci/external-redis-secret-values.yaml"] });
    const env = envMap(hub(docs).container);
    assert.deepEqual(env.CC2CC_REDIS_URL.valueFrom.secretKeyRef, { name: "cc2cc-redis", key: "url" });
    assert.equal(find(docs, "ConfigMap", FULLNAME).data.CC2CC_REDIS_URL, undefined);
  });

  test("Sentinel: master name and sentinels in the ConfigMap, passwords from the Secret", () => {
    const docs = render({ values: ["charts/cc2cc/ci/sentinel-values.yaml"] });
    const cm = find(docs, "ConfigMap", FULLNAME).data;
    assert.equal(
      cm.CC2CC_REDIS_SENTINELS,
      "sentinel-0.redis.svc:26379,sentinel-1.redis.svc:26379,sentinel-2.redis.svc:26379",
    );
    assert.equal(cm.CC2CC_REDIS_SENTINEL_MASTER, "cc2cc");
    assert.equal(cm.CC2CC_REDIS_URL, undefined);
    const env = envMap(hub(docs).container);
    assert.deepEqual(env.CC2CC_REDIS_PASSWORD.valueFrom.secretKeyRef, {
      name: "redis-sentinel-auth",
      key: "redis-password",
    });
    assert.deepEqual(env.CC2CC_REDIS_SENTINEL_PASSWORD.valueFrom.secretKeyRef, {
      name: "redis-sentinel-auth",
      key: "sentinel-password",
    });
    assert.equal(findAll(docs, "StatefulSet").length, 0);
  });

  test("no Redis at all: in-process engine, allowed for one replica only", () => {
    const docs = render({ values: ["charts/cc2cc/ci/minimal-values.yaml"] });
    assert.equal(find(docs, "ConfigMap", FULLNAME).data.CC2CC_REDIS_URL, undefined);
    assert.equal(envMap(hub(docs).container).CC2CC_REDIS_URL, undefined);
    assert.match(
      renderError({ set: ["redis.enabled=false"] }),
      /in-process engine that cannot be shared: set replicaCount=1/,
    );
  });

  test("a password in externalRedis.url is refused; so is mixing built-in and external Redis", () => {
    assert.match(
      renderError({
        set: ["redis.enabled=false", "externalRedis.url=redis://:hunter2hunter2@redis.lan:6379"],
      }),
      /externalRedis\.url contains a password/,
    );
    assert.match(
      renderError({ set: ["externalRedis.url=redis://redis.lan:6379"] }),
      /redis\.enabled=true and externalRedis are both set/,
    );
  });

  test("the rendered text never carries the generated Redis password outside the Secret", () => {
    const text = renderText();
    const secretDoc = text.split("\n---\n").find((d) => d.includes("kind: Secret"));
    const password = unb64(/redis-password: "([^"]+)"/.exec(secretDoc)[1]);
    assert.equal(text.split(password).length - 1, 0, "plain password only inside base64 data");
  });
});

// The image (hub/Dockerfile, .dockerignore), the `helm test` hook, the Tilt dev stack and the
// READMEs, checked against each other and against the chart.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { envMap, FULLNAME, find, goTool, hub, readRepo, render, repoRoot, startHub } from "./helpers.mjs";
import { renderReadme, undocumentedValues } from "./readme-values.mjs";

/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
function dockerStages(text) {
  const lines = text.replace(/\\\n/g, " ").split("\n");
  const stages = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (op.toUpperCase() === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: m[1], name: m[2], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1).instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** Effective USER of a stage, following FROM <stage> chains. */
function stageUser(stages, stage) {
  const own = stage.instructions.filter((i) => i.op === "USER").at(-1);
  if (own) return own.args;
  const parent = stages.find((s) => s.name === stage.from);
  return parent ? stageUser(stages, parent) : undefined;
}

/** .dockerignore semantics, enough for our patterns: globs, `**`, directories, `!` re-includes. */
function dockerIgnored(patterns, path) {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, "");
    const re = new RegExp(
      `^${pattern
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*")
        .replace(/\.\*\//g, "(.*/)?")}(/.*)?$`,
    );
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

const dockerfile = readRepo("hub/Dockerfile");
const stages = dockerStages(dockerfile);
const stage = (name) => stages.find((s) => s.name === name);
const ignorePatterns = readRepo(".dockerignore")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const values = parse(readRepo("charts/cc2cc/values.yaml"));

describe("hub/Dockerfile", () => {
  test("BuildKit's Dockerfile linter (the `docker build --check` rules) has no warning", {
    timeout: 900_000,
  }, () => {
    const lint = goTool("dockerlint");
    const res = spawnSync(lint, [join(repoRoot, "hub/Dockerfile")], { encoding: "utf8", timeout: 60_000 });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /1 Dockerfile\(s\): no warnings/);
    // The linter bites: a Dockerfile with known problems is refused, rule by rule.
    const bad = join(repoRoot, "charts/test/tools/dockerlint/testdata/bad.Dockerfile");
    const refused = spawnSync(lint, [bad], { encoding: "utf8", timeout: 60_000 });
    assert.equal(refused.status, 1);
    for (const rule of [
      "FromAsCasing",
      "SecretsUsedInArgOrEnv",
      "JSONArgsRecommended",
      "MaintainerDeprecated",
    ]) {
      assert.match(refused.stdout, new RegExp(`: ${rule}: `));
    }
  });

  test("multi-stage; the default (last) stage is the runtime image", () => {
    assert.deepEqual(
      stages.map((s) => s.name),
      ["build", "runtime-base", "dev", "runtime"],
    );
    assert.match(stages[0].from, /^\$\{NODE_IMAGE\}$/);
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:22-[a-z]+-slim$/m);
  });

  test("runtime and dev run as a numeric non-root user, the one the chart sets", () => {
    for (const name of ["runtime", "dev"]) {
      const user = stageUser(stages, stage(name));
      assert.match(user ?? "", /^\d+:\d+$/, `${name} has a numeric USER, so runAsNonRoot can be verified`);
      const [uid, gid] = user.split(":").map(Number);
      assert.ok(uid > 0 && gid > 0, `${name} is not root`);
      assert.equal(uid, values.securityContext.runAsUser);
      assert.equal(gid, values.podSecurityContext.runAsGroup);
    }
  });

  test("runtime files stay root-owned (read-only to the hub); only dev hands them to the user", () => {
    const copy = (name) => stage(name).instructions.find((i) => i.op === "COPY").args;
    assert.equal(copy("runtime"), "--from=build /out/ /app/");
    assert.equal(copy("dev"), "--from=build --chown=1000:1000 /out/ /app/");
  });

  test("builds shared and hub, the dashboard only if it has a build script, then deploys production deps", () => {
    const run = stage("build")
      .instructions.filter((i) => i.op === "RUN")
      .map((i) => i.args)
      .join("\n");
    assert.match(run, /pnpm install --frozen-lockfile/);
    assert.match(run, /pnpm --filter @cc2cc\/shared build/);
    assert.match(run, /pnpm --filter @cc2cc\/hub build/);
    assert.match(run, /pnpm --filter @cc2cc\/dashboard run --if-present build/);
    assert.match(run, /pnpm .*--filter @cc2cc\/hub deploy --prod \/out/);
    // Works with or without a built dashboard: the directory always exists, filled when present.
    assert.match(
      run,
      /mkdir -p \/out\/dashboard && if \[ -d dashboard\/dist \]; then cp -R dashboard\/dist\/\. \/out\/dashboard\/; fi/,
    );
  });

  test("never copies a host dist/ or node_modules into the build", () => {
    for (const i of stage("build").instructions.filter((x) => x.op === "COPY")) {
      assert.doesNotMatch(i.args, /dist|node_modules/, i.args);
    }
  });

  test("every COPY source exists and is not excluded by .dockerignore", () => {
    for (const i of stage("build").instructions.filter((x) => x.op === "COPY")) {
      const sources = i.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        const path = src.replace(/\/$/, "");
        assert.ok(existsSync(join(repoRoot, path)), `${src} does not exist`);
        assert.ok(!dockerIgnored(ignorePatterns, path), `${src} is excluded by .dockerignore`);
      }
    }
  });

  test(".dockerignore keeps dependencies, VCS, caches and env files out of the context", () => {
    for (const path of [
      "node_modules",
      "hub/node_modules",
      ".git",
      ".cache/bin/helm",
      ".env",
      ".env.local",
      "charts/cc2cc",
    ]) {
      assert.ok(dockerIgnored(ignorePatterns, path), `${path} should be ignored`);
    }
    // Tilt live-updates these, so they must stay in the context.
    assert.ok(!dockerIgnored(ignorePatterns, "hub/dist/main.js"));
  });

  test("matches the chart: port, dashboard dir, entrypoint, health check", () => {
    const runtimeBase = stage("runtime-base").instructions;
    assert.ok(runtimeBase.some((i) => i.op === "EXPOSE" && i.args === "3100"));
    const env = runtimeBase
      .filter((i) => i.op === "ENV")
      .map((i) => i.args)
      .join(" ");
    assert.match(env, new RegExp(`CC2CC_DASHBOARD_DIR=${values.hub.dashboardDir}\\b`));
    assert.match(env, /NODE_ENV=production/);
    // The bench runs the hub with the image's memory and V8 settings (loadtest/lib/procs.mjs).
    assert.match(env, /MALLOC_ARENA_MAX=2\b/);
    const cmd = JSON.parse(runtimeBase.find((i) => i.op === "CMD").args);
    assert.equal(cmd[0], "node");
    assert.ok(cmd.includes("--max-semi-space-size=64"));
    assert.equal(cmd.at(-1), JSON.parse(readRepo("hub/package.json")).main.replace(/^\.\//, ""));
    assert.ok(runtimeBase.some((i) => i.op === "HEALTHCHECK" && i.args.includes("/health")));
    assert.ok(!/^(ENV|ARG)\s+\S*(KEY|PASSWORD|SECRET|TOKEN)\S*=/m.test(dockerfile), "no secrets baked in");
  });
});

describe("helm test hook", () => {
  const docs = render();
  const pod = find(docs, "Pod", `${FULLNAME}-test`);
  const cm = find(docs, "ConfigMap", `${FULLNAME}-test`);
  const script = readRepo("charts/cc2cc/files/helm-test.mjs");

  test("a test-hook Pod runs the bundled script with the hub image, restricted like the hub", () => {
    assert.equal(pod.metadata.annotations["helm.sh/hook"], "test");
    assert.equal(cm.metadata.annotations["helm.sh/hook"], "test");
    assert.ok(Number(cm.metadata.annotations["helm.sh/hook-weight"]) < 0, "the script exists before the pod");
    assert.equal(cm.data["helm-test.mjs"], script.trimEnd());
    const [c] = pod.spec.containers;
    assert.deepEqual(c.command, ["node", "/scripts/helm-test.mjs"]);
    assert.equal(c.image, hub(docs).container.image);
    assert.equal(pod.spec.restartPolicy, "Never");
    assert.equal(pod.spec.volumes[0].configMap.name, cm.metadata.name);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    const env = envMap(c);
    assert.equal(env.CC2CC_HUB_URL.value, `http://${FULLNAME}.cc2cc.svc:3100`);
    assert.deepEqual(env.CC2CC_HUB_API_KEY.valueFrom.secretKeyRef, { name: FULLNAME, key: "hub-api-key" });
  });

  test("speaks the protocol version of the wire contract", () => {
    const shared = /PROTOCOL_VERSION = (\d+)/.exec(readRepo("shared/src/limits.ts"))[1];
    assert.equal(envMap(pod.spec.containers[0]).CC2CC_PROTOCOL_VERSION.value, shared);
  });

  describe("against a running hub", () => {
    const key = "helm-test-plugin-key-0123";
    let running;
    before(async () => {
      running = await startHub({ CC2CC_HUB_API_KEY: key });
    });
    after(async () => {
      await running?.stop();
    });
    const runScript = (env) =>
      spawnSync(process.execPath, [join(repoRoot, "charts/cc2cc/files/helm-test.mjs")], {
        env: { PATH: process.env.PATH, CC2CC_HUB_URL: running.url, CC2CC_TEST_TIMEOUT_MS: "15000", ...env },
        encoding: "utf8",
        timeout: 30_000,
      });

    test("passes: /ready, handshake, welcome, whoami and presence round trips", () => {
      const res = runScript({ CC2CC_HUB_API_KEY: key });
      assert.equal(res.status, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /ready: .*"status":"ready"/);
      assert.match(res.stdout, /welcome from replica/);
      assert.match(res.stdout, /whoami ok/);
      assert.match(res.stdout, /presence ok/);
      assert.match(res.stdout, /PASS$/m);
    });

    test("fails clearly with a wrong key", () => {
      const res = runScript({ CC2CC_HUB_API_KEY: "not-the-right-key-000" });
      assert.equal(res.status, 1);
      assert.match(res.stderr, /FAIL: handshake refused: .*UNAUTHORIZED/);
    });
  });
});

describe("Tilt dev stack", () => {
  const tiltfile = readRepo("Tiltfile");
  const devDocs = render({ release: "cc2cc", namespace: "cc2cc", values: ["k8s/values-dev.yaml"] });
  const devValues = parse(readRepo("k8s/values-dev.yaml"));
  const manifests = (file) =>
    parseAllDocuments(readRepo(file))
      .map((d) => d.toJS())
      .filter(Boolean);
  const prometheus = manifests("k8s/dev/prometheus.yaml");
  const grafana = manifests("k8s/dev/grafana.yaml");

  test("every path the Tiltfile references exists", () => {
    const literals = [...tiltfile.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    const paths = literals.filter(
      (l) =>
        /^(charts|k8s|hub|shared|dashboard|plugin|loadtest)\/[\w./-]+$/.test(l) ||
        /^[\w-]+\.(json|yaml)$/.test(l),
    );
    assert.ok(paths.length >= 10, `found ${paths.length} paths`);
    for (const p of paths) {
      assert.ok(existsSync(join(repoRoot, p)), `Tiltfile references ${p}, which does not exist`);
    }
    // The k6 script belongs to the load-test suite; the Tiltfile still loads while it is absent.
    assert.match(tiltfile, /SMOKE = 'loadtest\/k6\/direct\.js'\nif os\.path\.exists\(SMOKE\):/);
    assert.ok(existsSync(join(repoRoot, "scripts/install-k6.sh")));
  });

  test("builds hub/Dockerfile's dev stage and live-updates the compiled output", () => {
    assert.match(
      tiltfile,
      /docker_build\(\s*'cc2cc-hub',\s*context='\.',\s*dockerfile='hub\/Dockerfile',\s*target='dev'/,
    );
    assert.ok(stage("dev"), "the dev target exists");
    assert.match(dockerfile, /^ARG DASHBOARD=build$/m);
    assert.match(tiltfile, /build_args=\{'DASHBOARD': 'skip'\}/);
    assert.match(tiltfile, /sync\('hub\/dist', '\/app\/dist'\)/);
    assert.match(tiltfile, /fall_back_on\(/);
    assert.equal(devValues.image.repository, "cc2cc-hub", "the chart's image is the one Tilt builds");
    assert.ok(devValues.hub.command.includes("--watch"), "node restarts on synced files");
    assert.equal(devValues.securityContext.readOnlyRootFilesystem, false, "live_update can write");
  });

  test("deploys the chart with the dev values: 2 replicas and the built-in Redis", () => {
    assert.match(
      tiltfile,
      /helm\(\s*'charts\/cc2cc',\s*name=RELEASE,\s*namespace=NAMESPACE,\s*values=\['k8s\/values-dev\.yaml'\]/,
    );
    assert.equal(find(devDocs, "Deployment", "cc2cc").spec.replicas, 2);
    assert.ok(find(devDocs, "StatefulSet", "cc2cc-redis"));
    assert.equal(
      find(devDocs, "Secret", "cc2cc").data["hub-api-key"],
      Buffer.from(devValues.auth.hubApiKey).toString("base64"),
    );
    assert.match(tiltfile, new RegExp(`DEV_PLUGIN_KEY = '${devValues.auth.hubApiKey}'`));
  });

  test("forwards hub 3100, dashboard 8029, Prometheus 9090 and Grafana 3000", () => {
    assert.match(tiltfile, /k8s_resource\(\s*'cc2cc',\s*port_forwards=\['3100:3100'\]/);
    assert.match(tiltfile, /k8s_resource\('prometheus', port_forwards=\['9090:9090'\]/);
    assert.match(tiltfile, /k8s_resource\('grafana', port_forwards=\['3000:3000'\]/);
    assert.match(
      tiltfile,
      /serve_cmd='pnpm --filter @cc2cc\/dashboard run --if-present dev --port 8029 --strictPort'/,
    );
    assert.match(tiltfile, /'k6-smoke'[\s\S]*trigger_mode=TRIGGER_MODE_MANUAL/);
  });

  test("the resources the Tiltfile names exist in what it deploys", () => {
    const workloads = new Set(
      [...devDocs, ...prometheus, ...grafana, ...manifests("k8s/dev/redis.yaml")]
        .filter((d) => ["Deployment", "StatefulSet"].includes(d.kind))
        .map((d) => d.metadata.name),
    );
    for (const m of tiltfile.matchAll(/k8s_resource\('([^']+)'/g))
      assert.ok(workloads.has(m[1]), `no workload ${m[1]}`);
  });

  test("Grafana provisions the chart's own dashboard ConfigMap", () => {
    const deploy = grafana.find((d) => d.kind === "Deployment");
    const volume = deploy.spec.template.spec.volumes.find((v) => v.name === "dashboard");
    const chartCm = find(devDocs, "ConfigMap", volume.configMap.name);
    assert.equal(chartCm.metadata.labels.grafana_dashboard, "1");
    const home = deploy.spec.template.spec.containers[0].env.find(
      (e) => e.name === "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH",
    );
    const mount = deploy.spec.template.spec.containers[0].volumeMounts.find((m) => m.name === "dashboard");
    assert.ok(home.value.startsWith(mount.mountPath));
    assert.ok(Object.keys(chartCm.data).includes(home.value.slice(mount.mountPath.length + 1)));
    const prov = grafana.find((d) => d.kind === "ConfigMap").data;
    assert.match(prov["datasources.yaml"], /url: http:\/\/prometheus:9090/);
    assert.match(prov["dashboards.yaml"], new RegExp(`path: ${mount.mountPath}`));
  });

  test("Prometheus scrapes the hub pods like a ServiceMonitor would, and loads the chart's rules", () => {
    const config = parse(prometheus.find((d) => d.kind === "ConfigMap").data["prometheus.yml"]);
    const job = config.scrape_configs.find((j) => j.job_name === "cc2cc");
    const rule = find(devDocs, "PrometheusRule", "cc2cc");
    assert.match(rule.spec.groups[0].rules[0].expr, new RegExp(`job="${job.job_name}", namespace="cc2cc"`));
    const keep = job.relabel_configs[0];
    const podLabels = find(devDocs, "Deployment", "cc2cc").spec.template.metadata.labels;
    assert.equal(
      keep.regex,
      `${podLabels["app.kubernetes.io/name"]};${podLabels["app.kubernetes.io/component"]}`,
    );
    const targets = job.relabel_configs.map((r) => r.target_label);
    assert.ok(targets.includes("namespace") && targets.includes("pod"), "labels the dashboard filters by");
    const deploy = prometheus.find((d) => d.kind === "Deployment");
    const rulesVolume = deploy.spec.template.spec.volumes.find((v) => v.name === "rules");
    assert.match(tiltfile, new RegExp(`'name': '${rulesVolume.configMap.name}'`));
    assert.equal(
      deploy.spec.template.metadata.labels["app.kubernetes.io/name"],
      values.networkPolicy.metricsFrom[0].podSelector.matchLabels["app.kubernetes.io/name"],
    );
  });

  test("the optional dev Redis runs like the chart's: noeviction, AOF", () => {
    const redis = manifests("k8s/dev/redis.yaml").find((d) => d.kind === "Deployment").spec.template.spec
      .containers[0];
    assert.match(
      redis.args.join(" "),
      /--appendonly yes --appendfsync everysec --maxmemory-policy noeviction/,
    );
    assert.match(tiltfile, /externalRedis\.url=redis:\/\/redis:6379\/0/);
  });

  test("the kind cluster has workers for the topology spread", () => {
    const kind = parse(readRepo("k8s/cluster/kind.yaml"));
    assert.equal(kind.kind, "Cluster");
    assert.ok(kind.nodes.filter((n) => n.role === "worker").length >= 2);
  });
});

describe("READMEs", () => {
  test("the chart README lists every value, in sync with values.yaml", () => {
    const valuesText = readRepo("charts/cc2cc/values.yaml");
    assert.deepEqual(undocumentedValues(valuesText), []);
    const readme = readRepo("charts/cc2cc/README.md");
    assert.equal(readme, renderReadme(readme, valuesText), "run node charts/test/readme-values.mjs --write");
  });

  test("charts/README.md has the LAN and Tilt sections and names every hub metric", () => {
    const readme = readFileSync(join(repoRoot, "charts/README.md"), "utf8");
    assert.match(readme, /^## Deploy on a LAN cluster$/m);
    assert.match(readme, /^## Develop with Tilt$/m);
    for (const m of readRepo("hub/src/metrics.ts").matchAll(/name: "(cc2cc_[a-z0-9_]+)"/g)) {
      assert.ok(readme.includes(`\`${m[1]}\``), `charts/README.md does not list ${m[1]}`);
    }
  });
});

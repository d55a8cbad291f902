// Shared helpers of the chart tests: run the real `helm` and parse what it renders.
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const chartDir = join(repoRoot, "charts", "cc2cc");
export const ciValues = readdirSync(join(chartDir, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .sort();
export const RELEASE = "demo";
export const NAMESPACE = "cc2cc";
export const FULLNAME = "demo-cc2cc";

/** The helm scripts/install-helm.sh provides: $HELM, then .cache/bin/helm, then PATH. */
export function helmBin() {
  if (process.env.HELM) return process.env.HELM;
  const cached = join(repoRoot, ".cache", "bin", "helm");
  return existsSync(cached) ? cached : "helm";
}

export function helm(args) {
  const res = spawnSync(helmBin(), args, { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
  if (res.error) throw new Error(`cannot run helm (run scripts/install-helm.sh): ${res.error.message}`);
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function templateArgs({
  values = [],
  set = [],
  release = RELEASE,
  namespace = NAMESPACE,
  kubeVersion,
  extra = [],
  chart = chartDir,
}) {
  const args = ["template", release, chart, "--namespace", namespace];
  for (const v of values) args.push("-f", v.startsWith("/") ? v : join(repoRoot, v));
  for (const s of set) args.push("--set", s);
  if (kubeVersion) args.push("--kube-version", kubeVersion);
  return [...args, ...extra];
}

/** `helm template` → parsed documents (objects), failing the test on a render error. */
export function render(opts = {}) {
  const res = helm(templateArgs(opts));
  if (res.status !== 0) throw new Error(`helm template failed:\n${res.stderr}`);
  return parseDocs(res.stdout);
}

/** Raw YAML text of `helm template`. */
export function renderText(opts = {}) {
  const res = helm(templateArgs(opts));
  if (res.status !== 0) throw new Error(`helm template failed:\n${res.stderr}`);
  return res.stdout;
}

/** stderr of a `helm template` that must fail. */
export function renderError(opts = {}) {
  const res = helm(templateArgs(opts));
  if (res.status === 0) throw new Error(`helm template unexpectedly succeeded with ${JSON.stringify(opts)}`);
  return res.stderr;
}

/**
 * NOTES.txt as `helm install` would print it. `helm install --dry-run` needs a cluster, so a
 * copy of the chart renders the same template text (same engine, values and helpers) into a
 * ConfigMap instead.
 */
export function renderNotes(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cc2cc-notes-"));
  try {
    const copy = join(dir, "cc2cc");
    cpSync(chartDir, copy, { recursive: true });
    const notes = readFileSync(join(copy, "templates", "NOTES.txt"), "utf8");
    rmSync(join(copy, "templates", "NOTES.txt"));
    writeFileSync(
      join(copy, "templates", "zz-notes.yaml"),
      `{{- define "test.notes" }}${notes}{{ end }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |-\n{{ include "test.notes" . | indent 4 }}\n`,
    );
    const docs = render({ ...opts, chart: copy });
    return docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "notes").data.notes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseDocs(text) {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML rendered: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter((d) => d !== null && d !== undefined);
}

export function findAll(docs, kind) {
  return docs.filter((d) => d.kind === kind);
}

export function find(docs, kind, name) {
  const matches = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${matches.length}`);
  }
  return matches[0];
}

/** The hub Deployment and its container. */
export function hub(docs) {
  const deployment = find(docs, "Deployment", FULLNAME);
  const container = deployment.spec.template.spec.containers.find((c) => c.name === "hub");
  return { deployment, pod: deployment.spec.template.spec, container };
}

export function envMap(container) {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
}

/** True when every key/value of `selector` is in `labels`. */
export function selects(selector, labels) {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function readRepo(path) {
  return readFileSync(join(repoRoot, path), "utf8");
}

function goBinary() {
  if (process.env.GO) return process.env.GO;
  const onPath = spawnSync("sh", ["-c", "command -v go"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  return "/usr/local/go/bin/go";
}

/**
 * A checker from charts/test/tools (kubecheck, dockerlint), built with Go into .cache/bin like
 * helm, and rebuilt when its sources are newer than the binary.
 */
export function goTool(name) {
  const toolsDir = join(repoRoot, "charts", "test", "tools");
  const bin = join(repoRoot, ".cache", "bin", name);
  const sources = ["go.mod", "go.sum", ...readdirSync(join(toolsDir, name)).map((f) => join(name, f))];
  const newest = Math.max(...sources.map((f) => statSync(join(toolsDir, f)).mtimeMs));
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest) return bin;
  const res = spawnSync(goBinary(), ["build", "-trimpath", "-o", bin, `./${name}`], {
    cwd: toolsDir,
    encoding: "utf8",
    timeout: 900_000,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
  });
  if (res.error || res.status !== 0) {
    throw new Error(
      `building charts/test/tools/${name} needs Go (set GO=...): ${res.error?.message ?? res.stderr}`,
    );
  }
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the built hub (hub/dist/main.js, in-process engine) on a free loopback port. Builds
 * shared and hub first when dist is missing, so the test runs on a fresh clone too.
 */
export async function startHub(env = {}) {
  const main = join(repoRoot, "hub", "dist", "main.js");
  if (!existsSync(main)) {
    for (const pkg of ["@cc2cc/shared", "@cc2cc/hub"]) {
      const res = spawnSync("pnpm", ["--filter", pkg, "build"], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 300_000,
      });
      if (res.status !== 0) throw new Error(`building ${pkg} failed:\n${res.stdout}\n${res.stderr}`);
    }
  }
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      CC2CC_HUB_HOST: "127.0.0.1",
      CC2CC_HUB_PORT: String(port),
      CC2CC_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (b) => {
    output += b;
  });
  child.stderr.on("data", (b) => {
    output += b;
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`hub exited early (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Metric names used in PromQL text (histogram series folded into their family). */
export function metricNames(promql) {
  const names = new Set();
  for (const m of promql.matchAll(/\b(cc2cc_[a-z0-9_]+)/g)) names.add(m[1]);
  return names;
}

/** Metric families a /metrics page declares (`# TYPE name kind`). */
export function exportedFamilies(metricsText) {
  const families = new Map();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(m[1], m[2]);
  return families;
}

/** A series name resolves to a family when it is one, or is a histogram/summary sample of one. */
export function familyOf(name, families) {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const type = families.get(base);
  return type === "histogram" || type === "summary" ? base : undefined;
}

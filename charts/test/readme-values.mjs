// Keeps the values table of charts/cc2cc/README.md in sync with charts/cc2cc/values.yaml.
// A value is documented by a `# -- text` comment right above its key (continued by further
// `#` lines), as helm-docs does; a documented map is listed as one row with its whole default.
//
//   node charts/test/readme-values.mjs --write   # regenerate the table
//   node charts/test/readme-values.mjs --check   # exit 1 when the README is stale
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const chartDir = join(dirname(fileURLToPath(import.meta.url)), "..", "cc2cc");
const START = "<!-- values:start -->";
const END = "<!-- values:end -->";

/** `# --` descriptions by dotted path, in file order. */
export function describedKeys(valuesText) {
  const found = [];
  const stack = [];
  let pending = null;
  for (const line of valuesText.split("\n")) {
    const doc = /^\s*# -- (.*)$/.exec(line);
    if (doc) {
      pending = [doc[1].trim()];
      continue;
    }
    const more = /^\s*#\s?(.*)$/.exec(line);
    if (more) {
      if (pending) pending.push(more[1].trim());
      continue;
    }
    const key = /^(\s*)([A-Za-z0-9_.-]+):(\s|$)/.exec(line);
    if (!key) {
      if (line.trim() !== "" && !line.trim().startsWith("-")) pending = null;
      continue;
    }
    const indent = key[1].length;
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    const insideDocumented = stack.some((s) => s.documented);
    const path = [...stack.map((s) => s.key), key[2]];
    if (!insideDocumented && pending) found.push({ path: path.join("."), description: pending.join(" ") });
    stack.push({ indent, key: key[2], documented: insideDocumented || pending !== null });
    pending = null;
  }
  return found;
}

function isMap(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Leaf values (or empty maps) that carry no description. */
export function undocumentedValues(valuesText) {
  const documented = new Set(describedKeys(valuesText).map((d) => d.path));
  const missing = [];
  const walk = (value, path) => {
    if (path && documented.has(path)) return;
    if (isMap(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    missing.push(path);
  };
  walk(parse(valuesText), "");
  return missing;
}

function lookup(values, path) {
  return path.split(".").reduce((v, k) => (isMap(v) ? v[k] : undefined), values);
}

function typeOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (isMap(v)) return "object";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return typeof v;
}

const cell = (s) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

export function valuesTable(valuesText) {
  const values = parse(valuesText);
  const rows = describedKeys(valuesText).map(({ path, description }) => {
    const value = lookup(values, path);
    return `| \`${path}\` | ${typeOf(value)} | \`${cell(JSON.stringify(value))}\` | ${cell(description)} |`;
  });
  return ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** The README with its values section regenerated. */
export function renderReadme(readmeText, valuesText) {
  const a = readmeText.indexOf(START);
  const b = readmeText.indexOf(END);
  if (a === -1 || b === -1 || b < a) throw new Error(`README lacks the ${START} ... ${END} markers`);
  return `${readmeText.slice(0, a + START.length)}\n${valuesTable(valuesText)}\n${readmeText.slice(b)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readmePath = join(chartDir, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const next = renderReadme(readme, readFileSync(join(chartDir, "values.yaml"), "utf8"));
  if (process.argv.includes("--write")) {
    writeFileSync(readmePath, next);
    console.log(`wrote ${readmePath}`);
  } else if (next !== readme) {
    console.error("charts/cc2cc/README.md is stale: run node charts/test/readme-values.mjs --write");
    process.exit(1);
  }
}

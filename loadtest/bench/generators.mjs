// The benchmark's load generator processes (loadgen.mjs), driven over IPC.
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { BENCH_KEY, procCpuSeconds, REPO_ROOT, track } from "../lib/procs.mjs";

const LOADGEN = join(REPO_ROOT, "loadtest", "bench", "loadgen.mjs");

class Generator {
  constructor(index) {
    this.index = index;
    this.proc = track(fork(LOADGEN, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
    this.nextId = 1;
    this.waiting = new Map();
    this.proc.on("message", (msg) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(`loadgen ${index}: ${msg.error}`));
      else w.resolve(msg.result);
    });
    this.proc.on("exit", (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`loadgen ${index} exited (${code})`));
      this.waiting.clear();
    });
  }

  get pid() {
    return this.proc.pid;
  }

  cpuSeconds() {
    return procCpuSeconds(this.proc.pid);
  }

  /** One operation; rejects after timeoutMs so a stuck child cannot hang the run. */
  call(op, args = {}, timeoutMs = 120_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`loadgen ${this.index}: ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, op, ...args });
    });
  }

  stop() {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

export function startGenerators(count) {
  return Array.from({ length: count }, (_, i) => new Generator(i));
}

/** A fresh plugin identity: `bench@loadgen:<project>/<label>-<uuid>`. */
export function makeSpec(url, project, label) {
  return {
    url,
    key: BENCH_KEY,
    instanceId: `bench@loadgen:${project}/${label}-${randomUUID()}`,
    secret: randomBytes(24).toString("hex"),
  };
}

/** Runs one op on every generator with its own arguments; resolves all results in order. */
export function onAll(gens, op, argsFor, timeoutMs) {
  return Promise.all(gens.map((g, i) => g.call(op, argsFor(i), timeoutMs)));
}

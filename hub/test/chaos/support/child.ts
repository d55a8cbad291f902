import { type ChildProcess, spawn } from "node:child_process";
import { setPriority } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SUPPORT_DIR = dirname(fileURLToPath(import.meta.url));
const CHILDREN_DIR = join(SUPPORT_DIR, "..", "children");
const TS_RESOLVE = join(SUPPORT_DIR, "ts-resolve.ts");
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export type ChildLine = { t: string } & Record<string, unknown>;

/**
 * A node child process running one of `children/*.ts` (Node strips the types itself). It speaks
 * JSON lines: commands on stdin, events on stdout, which are kept in `lines`.
 */
export class Child {
  readonly lines: ChildLine[] = [];
  private stderr = "";
  private buffer = "";
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  private readonly proc: ChildProcess;

  /**
   * `nice` lowers the child's scheduling priority: load generators that stand in for machines
   * elsewhere on the LAN should not starve the hub processes under test on this shared box.
   */
  constructor(script: string, env: Record<string, string>, opts: { nice?: number } = {}) {
    this.proc = spawn(
      process.execPath,
      ["--no-warnings", "--import", TS_RESOLVE, join(CHILDREN_DIR, script)],
      {
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    live.add(this.proc);
    if (opts.nice !== undefined && this.proc.pid !== undefined) setPriority(this.proc.pid, opts.nice);
    this.proc.stdout?.on("data", (chunk: Buffer) => this.onData(chunk.toString("utf8")));
    this.proc.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-8000);
    });
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this.proc);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  get errors(): string {
    return this.stderr;
  }

  private onData(text: string): void {
    this.buffer += text;
    let nl = this.buffer.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim().length > 0) {
        try {
          this.lines.push(JSON.parse(line) as ChildLine);
        } catch {
          this.stderr += `\n[unparsed stdout] ${line.slice(0, 200)}`;
        }
      }
      nl = this.buffer.indexOf("\n");
    }
  }

  of(type: string): ChildLine[] {
    return this.lines.filter((l) => l.t === type);
  }

  send(command: Record<string, unknown>): void {
    this.proc.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  async waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (!this.running)
        throw new Error(`child exited (${JSON.stringify(this.exitInfo)}) before ${what}:\n${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.proc.kill(sig);
  }

  async kill9(): Promise<void> {
    if (!this.running) return;
    this.proc.kill("SIGKILL");
    await this.exited;
  }

  /** Ask it to finish (stdin closed), then SIGKILL after the grace. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.proc.stdin?.end();
    const timer = new Promise<"late">((r) => setTimeout(() => r("late"), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) === "late") await this.kill9();
  }
}

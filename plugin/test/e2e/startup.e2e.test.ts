import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PLUGIN_MAIN } from "../helpers/plugin-process.js";

/** Start the built plugin with `env` and collect what it prints and how it ends. */
function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [PLUGIN_MAIN], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });
}

describe("plugin start-up", () => {
  it("refuses to start on bad settings with one stderr line per problem and nothing on stdout", async () => {
    const result = await run({ CC2CC_USERNAME: "operator", CC2CC_PUSH: "sometimes" });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^cc2cc-plugin: CC2CC_HUB_URL: is required/),
      expect.stringMatching(/^cc2cc-plugin: CC2CC_API_KEY: is required/),
      expect.stringMatching(/^cc2cc-plugin: CC2CC_USERNAME: "operator" is reserved/),
      expect.stringMatching(/^cc2cc-plugin: CC2CC_PUSH: must be true or false/),
      expect.stringMatching(/^cc2cc-plugin: not starting/),
    ]);
  });

  it("exits on its own when stdin closes before any client spoke", async () => {
    const child = spawn(process.execPath, [PLUGIN_MAIN], {
      env: {
        PATH: process.env.PATH ?? "",
        CC2CC_HUB_URL: "http://127.0.0.1:9",
        CC2CC_API_KEY: "plugin-key-1",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    child.stdin.end();
    expect(await exited).toBe(0);
  });
});

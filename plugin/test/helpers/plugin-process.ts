import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

export const PLUGIN_MAIN = resolve(import.meta.dirname, "../../dist/main.js");

const ChannelNotificationSchema = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()) }),
});
export type ChannelEvent = z.infer<typeof ChannelNotificationSchema>["params"];

/** How Claude Code would start the installed plugin: the command and args of claude/.mcp.json. */
export function installedPluginCommand(): { command: string; args: string[] } {
  const root = resolve(import.meta.dirname, "../../claude");
  const mcp = JSON.parse(readFileSync(join(root, ".mcp.json"), "utf8")) as {
    mcpServers: Record<string, { command: string; args: string[] }>;
  };
  const server = mcp.mcpServers.cc2cc;
  if (!server) throw new Error("claude/.mcp.json has no cc2cc server");
  // The variable Claude Code expands in plugin configuration.
  const variable = ["$", "{CLAUDE_PLUGIN_ROOT}"].join("");
  const expand = (s: string) => s.replaceAll(variable, root);
  // "node" on PATH may be another version than the one running the tests.
  return {
    command: server.command === "node" ? process.execPath : expand(server.command),
    args: server.args.map(expand),
  };
}

export interface PluginProcessOptions {
  /** Command and args to run; defaults to node plugin/dist/main.js. */
  entry?: { command: string; args: string[] };
  hubUrl: string;
  apiKey: string;
  username: string;
  sessionFile: string;
  sessionId?: string;
  env?: Record<string, string>;
}

/** Thrown by `call` for a tool error, with the hub's code. */
export class ToolError extends Error {
  constructor(
    readonly code: string,
    readonly result: CallToolResult,
  ) {
    super(result.content.map((c) => (c.type === "text" ? c.text : "")).join(""));
  }
}

/**
 * A real plugin process (`node plugin/dist/main.js`) driven over stdio by the MCP SDK's Client,
 * as Claude Code drives it. Channel notifications are recorded in arrival order.
 */
export class PluginProcess {
  /** Every plugin started in this test file, so a suite can check their logs at the end. */
  static readonly all: PluginProcess[] = [];
  readonly events: ChannelEvent[] = [];
  private readonly stderrLines: string[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly client: Client,
    private readonly transport: StdioClientTransport,
  ) {}

  static async start(opts: PluginProcessOptions): Promise<PluginProcess> {
    const transport = new StdioClientTransport({
      command: opts.entry?.command ?? process.execPath,
      args: opts.entry?.args ?? [PLUGIN_MAIN],
      env: {
        CC2CC_HUB_URL: opts.hubUrl,
        CC2CC_API_KEY: opts.apiKey,
        CC2CC_USERNAME: opts.username,
        CC2CC_HOST: "e2e",
        CC2CC_PROJECT: "proj",
        CC2CC_SESSION_FILE: opts.sessionFile,
        CC2CC_REQUEST_TIMEOUT: "8000",
        ...(opts.sessionId !== undefined ? { CC2CC_SESSION_ID: opts.sessionId } : {}),
        ...opts.env,
      },
      stderr: "pipe",
    });
    const client = new Client({ name: "cc2cc-e2e", version: "1.0.0" });
    const plugin = new PluginProcess(client, transport);
    PluginProcess.all.push(plugin);
    transport.stderr?.on("data", (chunk: Buffer) => {
      plugin.stderrLines.push(chunk.toString());
      if (plugin.stderrLines.length > 200) plugin.stderrLines.shift();
    });
    client.setNotificationHandler(ChannelNotificationSchema, (n) => {
      plugin.events.push(n.params);
      for (const wake of [...plugin.listeners]) wake();
    });
    await client.connect(transport);
    return plugin;
  }

  get pid(): number | null {
    return this.transport.pid;
  }

  stderr(): string {
    return this.stderrLines.join("");
  }

  async callRaw(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return (await this.client.callTool({ name, arguments: args })) as CallToolResult;
  }

  /** Structured content of a successful call; a ToolError with the hub's code otherwise. */
  async call<T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await this.callRaw(name, args);
    if (result.isError) {
      const code =
        (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code ?? "UNKNOWN";
      throw new ToolError(code, result);
    }
    return result.structuredContent as T;
  }

  /** The tool error code of a call expected to fail. */
  async failure(name: string, args: Record<string, unknown> = {}): Promise<ToolError> {
    try {
      await this.call(name, args);
    } catch (err) {
      if (err instanceof ToolError) return err;
      throw err;
    }
    throw new Error(`${name} succeeded but was expected to fail`);
  }

  /** Resolves once the plugin is registered with a hub (whoami reports connected). */
  async connected(timeoutMs = 15_000): Promise<{ instanceId: string; replica: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const me = await this.call<{
        instanceId: string;
        replica?: string;
        connection: { connected: boolean };
      }>("whoami");
      if (me.connection.connected && me.replica) return { instanceId: me.instanceId, replica: me.replica };
      if (Date.now() > deadline) throw new Error(`plugin did not connect:\n${this.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The first recorded (or future) channel event matching `pred`. */
  waitFor(pred: (e: ChannelEvent) => boolean, timeoutMs = 10_000): Promise<ChannelEvent> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolveEvent, reject) => {
      const check = () => {
        const hit = this.events.find(pred);
        if (!hit) return;
        cleanup();
        resolveEvent(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no matching channel event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** Close stdin (as Claude Code does on exit) and wait for the process to end. */
  async stop(): Promise<void> {
    await this.client.close();
  }
}

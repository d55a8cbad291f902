#!/usr/bin/env node
import { formatInstanceId, HUB_FEATURES } from "@cc2cc/shared";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ConfigError, loadConfig, type PluginConfig } from "./config.js";
import { Delivery } from "./delivery.js";
import { HubClient } from "./hub-client.js";
import { createLogger } from "./log.js";
import { createServer } from "./server.js";
import { freshHookSession, removeSessionRecord, SessionWatcher } from "./session-file.js";

/** A hook record this recent names the session that started this process. */
const HOOK_RECORD_MAX_AGE_MS = 60_000;

function configOrExit(): PluginConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`cc2cc-plugin: ${problem}\n`);
    process.stderr.write(
      "cc2cc-plugin: not starting; fix the settings above in the MCP server's environment.\n",
    );
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.debug);

  let sessionId = config.sessionId;
  if (config.sessionSource !== "CC2CC_SESSION_ID") {
    sessionId = freshHookSession(config.sessionFile, HOOK_RECORD_MAX_AGE_MS) ?? sessionId;
  }
  const idFor = (session: string) =>
    formatInstanceId({ username: config.username, host: config.host, project: config.project, session });

  // Deliveries and the server reference each other; the late binding is resolved before start.
  let server: ReturnType<typeof createServer> | undefined;
  const hub = new HubClient({
    origin: config.hubOrigin,
    path: config.hubPath,
    url: config.hubUrl,
    key: config.apiKey,
    instanceId: idFor(sessionId),
    role: config.role,
    requestTimeoutMs: config.requestTimeoutMs,
    log,
    onMessages: (frame) => void delivery.handleFrame(frame),
  });
  const delivery = new Delivery({
    push: config.push,
    log,
    notify: async (notification) => {
      if (!server) throw new Error("MCP server not ready");
      await server.server.notification(notification);
    },
    // Without a reply where the hub allows it: one frame less per delivered batch.
    ack: (messageIds) =>
      hub.supports(HUB_FEATURES.ackWithoutReply)
        ? hub.notify("ack", { messageIds })
        : hub.request("ack", { messageIds }),
  });
  server = createServer({ hub, delivery, config, sessionId: () => sessionId });

  const watcher = new SessionWatcher(
    config.sessionFile,
    sessionId,
    (next, source) => {
      const from = hub.instanceId;
      sessionId = next;
      log.info("Claude Code session changed; re-registering", { from, to: idFor(next), source });
      hub.switchInstance(idFor(next));
    },
    log,
  );

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { why });
    watcher.stop();
    if (config.sessionFileIsDefault) removeSessionRecord(config.sessionFile);
    await delivery.idle(1_000);
    await hub.close();
    await server?.close().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on("end", () => void stop("stdin closed"));
  process.stdin.on("close", () => void stop("stdin closed"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  // Connect to the hub only once the client is initialized: a channel event sent earlier
  // could reach a client that has not registered its listener yet, and then be lost.
  server.server.oninitialized = () => {
    watcher.start();
    hub.start();
  };
  await server.connect(new StdioServerTransport());
  log.info("started", { instanceId: hub.instanceId, hub: config.hubUrl, sessionFile: config.sessionFile });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `cc2cc-plugin: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});

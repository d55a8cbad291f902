import type { PluginConfig } from "../config.js";
import type { Delivery } from "../delivery.js";
import type { HubClient } from "../hub-client.js";

/** What every tool may use. Built once in main; tools never touch stdio or the socket directly. */
export interface ToolContext {
  hub: HubClient;
  delivery: Delivery;
  config: PluginConfig;
  /** The Claude Code session this process currently serves (changes on /clear). */
  sessionId: () => string;
}

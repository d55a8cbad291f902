import type {
  DashboardClientToServerEvents,
  DashboardServerToClientEvents,
  PluginClientToServerEvents,
  PluginServerToClientEvents,
} from "@cc2cc/shared";
import type { Namespace, Socket } from "socket.io";
import type { Power } from "../auth.js";

/** Between replicas, through the adapter: "these instances have new messages". */
export interface InterServerEvents {
  wake: (instanceIds: string[]) => void;
  /** "This replica holds dashboards": send dashboard events (see DashboardPresence). */
  dashboards: (done: (ok: boolean) => void) => void;
}

export interface PluginSocketData {
  instanceId: string;
  project: string;
  power: Power;
  /**
   * Set once the handshake registered the instance (the fencing token is the socket id); the
   * connection handler takes it for the welcome and clears it, so that no socket keeps it.
   */
  registered?: import("../engine/engine.js").RegisterResult | undefined;
}

export interface DashboardSocketData {
  power: Power;
}

export type PluginNamespace = Namespace<
  PluginClientToServerEvents,
  PluginServerToClientEvents,
  InterServerEvents,
  PluginSocketData
>;
export type PluginSocket = Socket<
  PluginClientToServerEvents,
  PluginServerToClientEvents,
  InterServerEvents,
  PluginSocketData
>;
export type DashboardNamespace = Namespace<
  DashboardClientToServerEvents,
  DashboardServerToClientEvents,
  InterServerEvents,
  DashboardSocketData
>;

export const instanceRoom = (instanceId: string) => `inst:${instanceId}`;
export const topicRoom = (topic: string) => `topic:${topic}`;

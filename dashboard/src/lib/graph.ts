import type { InstanceInfo } from "@cc2cc/shared";
import { projectOf, shortId } from "./format";

export interface Edge {
  from: string;
  to: string;
  count: number;
}

export interface GraphModel {
  categories: string[];
  nodes: Array<{ id: string; name: string; value: number; category: number; online: boolean | null }>;
  links: Array<{ source: string; target: string; value: number }>;
}

export const edgeKey = (from: string, to: string) => `${from}\t${to}`;

/** Adds counts to an edge map (server snapshot plus what arrived live since). */
export function addEdges(into: Map<string, number>, edges: readonly Edge[]): void {
  for (const e of edges) into.set(edgeKey(e.from, e.to), (into.get(edgeKey(e.from, e.to)) ?? 0) + e.count);
}

/**
 * Who talks to whom: a node per instance or address (role:, topic:, broadcast), sized by the
 * messages it sent and received, coloured by project; online instances with no traffic are
 * shown too, so the graph is never empty while someone is connected.
 */
export function buildGraph(
  edges: ReadonlyMap<string, number>,
  instances: readonly InstanceInfo[],
): GraphModel {
  const volume = new Map<string, number>();
  const links: GraphModel["links"] = [];
  for (const [key, count] of edges) {
    const [from, to] = key.split("\t") as [string, string];
    volume.set(from, (volume.get(from) ?? 0) + count);
    volume.set(to, (volume.get(to) ?? 0) + count);
    links.push({ source: from, target: to, value: count });
  }
  const known = new Map(instances.map((i) => [i.instanceId, i]));
  for (const i of instances) if (i.online && !volume.has(i.instanceId)) volume.set(i.instanceId, 0);
  const isInstance = (id: string) => id.includes("@") && id.includes("/");
  const categories = [
    ...new Set([...volume.keys()].map((id) => (isInstance(id) ? projectOf(id) : "address"))),
  ].sort();
  return {
    categories,
    nodes: [...volume].map(([id, value]) => ({
      id,
      name: isInstance(id) ? shortId(id) : id,
      value,
      category: categories.indexOf(isInstance(id) ? projectOf(id) : "address"),
      online: known.get(id)?.online ?? null,
    })),
    links,
  };
}

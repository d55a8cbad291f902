// A counting TCP proxy in front of the benchmark's Redis, used only for the Redis-operations
// phase (it costs CPU, so throughput is never measured through it). It parses what clients
// send (RESP arrays of bulk strings, which is all ioredis writes) and counts commands by name,
// EVALSHA by script, PUBLISH by channel, and the reads it took to get them (each read is at
// least one client write, so "batches" bound the round trips from above).
import { createHash } from "node:crypto";
import { createConnection, createServer } from "node:net";

/** SHA-1 → script name, as ioredis' defineCommand computes it from the script text. */
export function scriptShas(loadedScripts) {
  const out = new Map();
  for (const s of loadedScripts) out.set(createHash("sha1").update(s.lua).digest("hex"), s.file);
  return out;
}

/** Streaming RESP request parser: calls onCommand(args: Buffer[]) for each complete command. */
function commandParser(onCommand) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let pos = 0;
    for (;;) {
      if (pos >= buf.length || buf[pos] !== 0x2a /* * */) break;
      const nl = buf.indexOf("\r\n", pos);
      if (nl === -1) break;
      const n = Number(buf.toString("latin1", pos + 1, nl));
      let p = nl + 2;
      const args = [];
      let complete = true;
      for (let i = 0; i < n; i++) {
        if (p >= buf.length || buf[p] !== 0x24 /* $ */) {
          complete = false;
          break;
        }
        const l = buf.indexOf("\r\n", p);
        if (l === -1) {
          complete = false;
          break;
        }
        const len = Number(buf.toString("latin1", p + 1, l));
        const start = l + 2;
        if (buf.length < start + len + 2) {
          complete = false;
          break;
        }
        // Only the first three arguments are ever looked at; skip copying the rest.
        args.push(i < 3 ? buf.subarray(start, start + len) : null);
        p = start + len + 2;
      }
      if (!complete) break;
      onCommand(args);
      pos = p;
    }
    buf = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  };
}

/**
 * Listens on a free loopback port and forwards every connection to `targetPort`.
 * counts(): { commands: {name: n}, scripts: {file: n}, publish: {channel: n}, batches, connections }
 */
export async function startRedisProxy(targetPort, shas = new Map()) {
  let counts = fresh();
  function fresh() {
    return { commands: {}, scripts: {}, publish: {}, batches: 0, connections: 0 };
  }
  const bump = (obj, key) => {
    obj[key] = (obj[key] ?? 0) + 1;
  };
  const sockets = new Set();
  const server = createServer((client) => {
    counts.connections++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const parse = commandParser((args) => {
      const name = args[0]?.toString("latin1").toLowerCase() ?? "?";
      bump(counts.commands, name);
      if (name === "evalsha" || name === "eval") {
        const key = name === "evalsha" ? (shas.get(args[1]?.toString("latin1")) ?? "unknown-sha") : "eval";
        bump(counts.scripts, key);
      } else if (name === "publish" || name === "spublish") {
        bump(counts.publish, args[1]?.toString("latin1") ?? "?");
      }
    });
    client.on("data", (chunk) => {
      counts.batches++;
      parse(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    get url() {
      return `redis://127.0.0.1:${this.port}`;
    },
    /** Counts since the last reset. */
    counts: () => structuredClone(counts),
    reset() {
      counts = fresh();
      counts.connections = sockets.size / 2;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

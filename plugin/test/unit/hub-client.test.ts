import { Cc2ccError } from "@cc2cc/shared";
import { afterEach, describe, expect, it } from "vitest";
import { HubClient } from "../../src/hub-client.js";
import { createLogger } from "../../src/log.js";
import { freePort } from "../helpers/ports.js";

const clients: HubClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

async function client(): Promise<HubClient> {
  const port = await freePort();
  const c = new HubClient({
    origin: `http://127.0.0.1:${port}`,
    path: "/socket.io",
    url: `http://127.0.0.1:${port}`,
    key: "plugin-key-1",
    instanceId: "alice@box:api/s1",
    requestTimeoutMs: 5_000,
    connectGraceMs: 300,
    log: createLogger(false, () => undefined),
  });
  clients.push(c);
  c.start();
  return c;
}

describe("HubClient without a hub", () => {
  it("fails a request fast with HUB_UNREACHABLE instead of hanging", async () => {
    const c = await client();
    const started = Date.now();
    const err = await c.request("list_instances", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cc2ccError);
    expect((err as Cc2ccError).code).toBe("HUB_UNREACHABLE");
    expect((err as Cc2ccError).message).toContain("not connected to the cc2cc hub");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(c.status()).toMatchObject({ connected: false, replica: null });
  });

  it("validates a request against the shared schema before touching the network", async () => {
    const c = await client();
    const err = await c
      .request("send_message", { to: "nobody", type: "task", content: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cc2ccError);
    expect((err as Cc2ccError).code).toBe("VALIDATION");
    expect((err as Cc2ccError).field).toBe("to");
  });

  it("uses a 64-hex-char secret of its own", async () => {
    const [a, b] = [await client(), await client()];
    expect(a.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(a.secret).not.toBe(b.secret);
  });
});

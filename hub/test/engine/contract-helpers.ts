import { Cc2ccError, type ErrorCode, type Message, type MessageType } from "@cc2cc/shared";
import { v7 as uuidv7 } from "uuid";
import { afterEach, expect } from "vitest";
import type { Engine, EngineOptions, RegisterInput, RegisterResult } from "../../src/engine/engine.js";

export type EngineFactory = (
  opts: Partial<EngineOptions>,
) => Promise<{ engine: Engine; cleanup: () => Promise<void> }>;

/**
 * Returns a maker of fresh engines for the enclosing describe block; every engine made in a
 * test is cleaned up after it, so no state leaks between tests whatever the backend.
 */
export function engineMaker(factory: EngineFactory): (opts?: Partial<EngineOptions>) => Promise<Engine> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (let c = cleanups.pop(); c; c = cleanups.pop()) await c();
  });
  return async (opts = {}) => {
    const { engine, cleanup } = await factory(opts);
    cleanups.push(cleanup);
    return engine;
  };
}

/** A valid instance id; fresh engines per test make fixed ids safe. */
export function iid(user: string, session = "s1"): string {
  return `${user}@lan:demo/${session}`;
}

export function secretOf(instanceId: string): string {
  return `sha256-of-${instanceId}`;
}

export function reg(
  engine: Engine,
  instanceId: string,
  extra: Partial<Omit<RegisterInput, "instanceId">> = {},
): Promise<RegisterResult> {
  return engine.register({
    instanceId,
    secretHash: secretOf(instanceId),
    replica: "r1",
    connId: `conn-${instanceId}`,
    ...extra,
  });
}

// Strictly increasing timestamps so that "oldest" is never a tie.
let clock = Date.now();

export function msg(from: string, to: string, extra: Partial<Message> = {}): Message {
  clock += 1;
  const type: MessageType = extra.type ?? "task";
  return {
    id: uuidv7(),
    from,
    to,
    type,
    content: `content ${clock}`,
    timestamp: new Date(clock).toISOString(),
    ...extra,
  };
}

export function msgs(n: number, from: string, to: string): Message[] {
  return Array.from({ length: n }, () => msg(from, to));
}

export function ids(list: readonly Message[]): string[] {
  return list.map((m) => m.id);
}

/** The messages of one claim (the contract tests of what is left use `engine.claim` itself). */
export async function claimed(
  engine: Engine,
  instanceId: string,
  connId: string,
  max: number,
): Promise<Message[]> {
  return (await engine.claim(instanceId, connId, max)).messages;
}

/** Enqueue each message to one recipient and assert it was queued. */
export async function fill(engine: Engine, to: string, list: readonly Message[]): Promise<void> {
  for (const m of list) {
    expect(await engine.enqueue([to], m)).toEqual({ queued: [to], refused: [] });
  }
}

export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await p.then(
    () => new Error(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Cc2ccError);
  expect((err as Cc2ccError).code).toBe(code);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

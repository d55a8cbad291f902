import { describe } from "vitest";
import { deadLetterContract } from "./contract-dead-letters.js";
import { deadLetterLifeContract } from "./contract-dead-letters-life.js";
import { handoverContract } from "./contract-handover.js";
import type { EngineFactory } from "./contract-helpers.js";
import { identityContract } from "./contract-identity.js";
import { inspectContract } from "./contract-inspect.js";
import { limitsContract } from "./contract-limits.js";
import { migrateContract } from "./contract-migrate.js";
import { queueContract } from "./contract-queues.js";
import { reapContract } from "./contract-reap.js";
import { statusContract } from "./contract-status.js";
import { topicContract } from "./contract-topics.js";
import { wakeContract } from "./contract-wakes.js";

export type { EngineFactory } from "./contract-helpers.js";

/**
 * The one suite every Engine passes (see the guarantees in src/engine/engine.ts). It uses only
 * the Engine interface; `factory` must return a fresh, empty engine for each call (on Redis, a
 * key prefix of its own) built with the given options over the defaults. Where engine.ts left
 * a choice open, the test that pins it says "Choice:".
 */
export function engineContract(name: string, factory: EngineFactory): void {
  describe(`Engine contract: ${name}`, () => {
    identityContract(factory);
    queueContract(factory);
    handoverContract(factory);
    wakeContract(factory);
    deadLetterContract(factory);
    deadLetterLifeContract(factory);
    inspectContract(factory);
    migrateContract(factory);
    topicContract(factory);
    limitsContract(factory);
    statusContract(factory);
    reapContract(factory);
  });
}

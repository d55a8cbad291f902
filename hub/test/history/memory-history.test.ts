import { createMemoryHistory } from "../../src/history/memory-history.js";
import { historyContract } from "./contract.js";

historyContract("memory", async (opts, clock) =>
  createMemoryHistory({ maxLen: 100_000, maxAgeMs: 7 * 24 * 3_600_000, ...opts }, clock),
);

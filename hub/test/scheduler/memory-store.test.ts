import { describe } from "vitest";
import { createMemoryScheduleStore } from "../../src/scheduler/memory-schedule-store.js";
import { scheduleStoreContract } from "./store-contract.js";

describe("memory schedule store", () => {
  scheduleStoreContract(async ({ historyMax }) => createMemoryScheduleStore({ historyMax }));
});

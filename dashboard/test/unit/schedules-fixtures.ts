import type { Schedule, ScheduleFire } from "@cc2cc/shared";

export { fakeApi, notices } from "./fake-api";

let n = 0;
export function schedule(over: Partial<Schedule> = {}): Schedule {
  n++;
  return {
    id: `sch_${String(n).padStart(32, "0")}`,
    name: `schedule ${n}`,
    expression: "every 90m",
    timezone: "UTC",
    kind: "interval",
    description: "every 90 minutes",
    target: "role:team",
    messageType: "task",
    content: "check the build",
    missedPolicy: "fire_once",
    enabled: true,
    state: "active",
    createdBy: "operator@hub:cc2cc/r1",
    createdAt: "2030-01-01T00:00:00.000Z",
    updatedAt: "2030-01-01T00:00:00.000Z",
    fireCount: 0,
    nextFireAt: "2030-01-01T01:30:00.000Z",
    ...over,
  };
}

export function fire(s: Schedule, over: Partial<ScheduleFire> = {}): ScheduleFire {
  return {
    scheduleId: s.id,
    plannedAt: "2030-01-01T01:30:00.000Z",
    firedAt: "2030-01-01T01:30:00.100Z",
    outcome: "sent",
    trigger: "schedule",
    covers: 1,
    recipients: 1,
    messageId: "0190f0c8-0000-7000-8000-000000000001",
    replica: "r1",
    ...over,
  };
}

import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { APP, createAppState } from "../../src/app-state";
import ScheduleForm from "../../src/components/ScheduleForm.vue";
import { createSchedules } from "../../src/composables/use-schedules";
import { sessionKeyStore } from "../../src/lib/session";
import { FakeSocket } from "./fake-socket";
import { schedule } from "./schedules-fixtures";

const times = Array.from({ length: 5 }, (_, i) => new Date(Date.UTC(2030, 0, 1, 9 + i)).toISOString());

/** The form in the app, with the hub's preview and create routes answered here. */
function mountForm(posts: Array<{ path: string; body: unknown }>) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input), "http://hub").pathname;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    posts.push({ path, body });
    if (path === "/api/schedules/preview") {
      if (body.expression.startsWith("every 2 fortnights"))
        return Response.json(
          {
            code: "VALIDATION",
            message: "expression: accepted are cron, every, in and at",
            field: "expression",
          },
          { status: 400 },
        );
      return Response.json({
        kind: "interval",
        description: "every hour",
        timezone: "UTC",
        nextFireTimes: times,
      });
    }
    if (path === "/api/schedules")
      return Response.json(schedule({ name: body.name, expression: body.expression }), { status: 201 });
    return Response.json({ instances: [] });
  }) as typeof fetch;
  const app = createAppState(sessionKeyStore(window.sessionStorage), {
    socketFactory: () => new FakeSocket().asSocket(),
  });
  const schedules = createSchedules(app.api, app.notices);
  const wrapper = mount(ScheduleForm, {
    props: { schedules, schedule: null, now: Date.UTC(2030, 0, 1, 8) },
    global: { provide: { [APP as symbol]: app } },
  });
  return { wrapper, schedules };
}

const settle = async () => {
  await new Promise((r) => setTimeout(r, 350));
  await flushPromises();
};

describe("ScheduleForm", () => {
  it("shows the hub's refusal inline with its code, then the next five fires, then creates", async () => {
    const calls: Array<{ path: string; body: unknown }> = [];
    const { wrapper, schedules } = mountForm(calls);
    await wrapper.get("[data-testid=schedule-expression]").setValue("every 2 fortnights");
    await settle();
    const refusal = wrapper.get("[data-testid=schedule-preview-error]");
    expect(refusal.text()).toContain("VALIDATION");
    expect(refusal.text()).toContain("accepted are cron, every, in and at");

    await wrapper.get("[data-testid=schedule-expression]").setValue("every 1h");
    await settle();
    expect(wrapper.find("[data-testid=schedule-preview-error]").exists()).toBe(false);
    const rows = wrapper.findAll("[data-testid=schedule-preview-time]");
    expect(rows.map((r) => r.text().split(" in ")[0])).toEqual([
      "Tue 2030-01-01 09:00",
      "Tue 2030-01-01 10:00",
      "Tue 2030-01-01 11:00",
      "Tue 2030-01-01 12:00",
      "Tue 2030-01-01 13:00",
    ]);
    expect(rows[0]?.text()).toContain("in 1 h 0 min");

    const save = wrapper.get<HTMLButtonElement>("[data-testid=schedule-save]");
    expect(save.element.disabled).toBe(true);
    await wrapper.get("[data-testid=schedule-name]").setValue("hourly check");
    await wrapper.get("[data-testid=schedule-target]").setValue("role:ops");
    await wrapper.get("[data-testid=schedule-content]").setValue("anything broken?");
    expect(save.element.disabled).toBe(false);
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(calls.filter((c) => c.path === "/api/schedules").map((c) => c.body)).toEqual([
      {
        name: "hourly check",
        expression: "every 1h",
        target: "role:ops",
        messageType: "task",
        content: "anything broken?",
        missedPolicy: "fire_once",
        enabled: true,
      },
    ]);
    expect(wrapper.emitted("saved")?.[0]?.[0]).toMatchObject({ name: "hourly check" });
    expect(schedules.items.value.map((s) => s.name)).toEqual(["hourly check"]);
    wrapper.unmount();
  });

  it("names a field the form itself cannot read before asking the hub", async () => {
    const calls: Array<{ path: string; body: unknown }> = [];
    const { wrapper } = mountForm(calls);
    await wrapper.get("[data-testid=schedule-name]").setValue("x");
    await wrapper.get("[data-testid=schedule-expression]").setValue("every 1h");
    await wrapper.get("[data-testid=schedule-target]").setValue("broadcast");
    await wrapper.get("[data-testid=schedule-content]").setValue("y");
    await wrapper.get("[data-testid=schedule-metadata]").setValue("team=api");
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    expect(wrapper.get("[data-testid=schedule-form-error]").text()).toContain("VALIDATION (metadata)");
    expect(calls.some((c) => c.path === "/api/schedules")).toBe(false);
    wrapper.unmount();
  });
});

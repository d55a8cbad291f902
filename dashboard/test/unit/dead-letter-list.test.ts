import type { DeadLetter } from "@cc2cc/shared";
import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { APP, createAppState } from "../../src/app-state";
import DeadLetterList from "../../src/components/DeadLetterList.vue";
import { sessionKeyStore } from "../../src/lib/session";
import { ALICE, BOB, msg } from "./events";
import { FakeSocket } from "./fake-socket";

/** The app around the component, with the hub's dead-letter routes answered from `held`. */
function mountList(held: DeadLetter[], requests: string[]) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push(`${init?.method ?? "GET"} ${url}`);
    if (init?.method === "POST") {
      held.splice(0, 1);
      return Response.json({ replayed: "x" });
    }
    return Response.json({ deadLetters: held });
  }) as typeof fetch;
  const app = createAppState(sessionKeyStore(window.sessionStorage), {
    socketFactory: () => new FakeSocket().asSocket(),
  });
  const wrapper = mount(DeadLetterList, {
    props: { instanceId: BOB, total: held.length, refreshKey: 0 },
    global: { provide: { [APP as symbol]: app } },
  });
  return { wrapper, app };
}

describe("DeadLetterList", () => {
  it("says what a dead letter is when there are none", async () => {
    const { wrapper } = mountList([], []);
    await flushPromises();
    const empty = wrapper.get("[data-testid=empty-state]");
    expect(empty.text()).toContain("No dead letters");
    expect(empty.text()).toContain("too many times without an acknowledgement");
    expect(empty.text()).toContain("replay it");
  });

  it("lists dead letters with reason, sender and sanitized content, and replays one", async () => {
    const m = msg(ALICE, BOB, { type: "question", content: 'Ship **it**? <img src=x onerror="alert(1)">' });
    const held: DeadLetter[] = [
      { message: m.message, reason: "expired", deliveries: 1, deadAt: new Date().toISOString() },
    ];
    const requests: string[] = [];
    const { wrapper } = mountList(held, requests);
    await flushPromises();
    const item = wrapper.get("[data-testid=dead-letter]");
    expect(item.get("[data-testid=dead-letter-reason]").text()).toBe("expired");
    expect(item.get("[data-testid=dead-letter-why]").text()).toContain("expired before it was acknowledged");
    expect(item.get("b").attributes("title")).toBe(ALICE);
    expect(item.get("strong").text()).toBe("it");
    expect(item.findAll("img")).toHaveLength(0);
    // The payload is shown as text, never as an element with a handler.
    expect(item.get(".md").text()).toContain('<img src=x onerror="alert(1)">');
    for (const el of item.element.querySelectorAll("*"))
      expect(el.getAttributeNames().filter((a) => a.startsWith("on"))).toEqual([]);

    await item.get("[data-testid=dead-letter-replay]").trigger("click");
    await flushPromises();
    expect(requests).toContain(
      `POST /api/instances/${encodeURIComponent(BOB)}/dead-letters/${m.message.id}/replay`,
    );
    expect(wrapper.findAll("[data-testid=dead-letter]")).toHaveLength(0);
    expect(wrapper.emitted("changed")).toHaveLength(1);
  });
});

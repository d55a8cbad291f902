import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { nextTick, ref } from "vue";
import { APP, createAppState } from "../../src/app-state";
import FeedList from "../../src/components/FeedList.vue";
import SendBar from "../../src/components/SendBar.vue";
import { createFeed } from "../../src/composables/use-feed";
import type { SendDraft } from "../../src/composables/use-send";
import { sessionKeyStore } from "../../src/lib/session";
import { ALICE, BOB, msg } from "./events";
import { FakeSocket } from "./fake-socket";

function appWith(posts: unknown[]) {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.method === "POST") {
      posts.push(JSON.parse(String(init.body)));
      return Response.json({ message: msg(ALICE, BOB).message, recipients: [BOB] }, { status: 201 });
    }
    return Response.json(String(input).includes("topics") ? { topics: [] } : { instances: [] });
  }) as typeof fetch;
  return createAppState(sessionKeyStore(window.sessionStorage), {
    socketFactory: () => new FakeSocket().asSocket(),
  });
}

describe("SendBar", () => {
  it("sends on Enter, starts a new line on Shift+Enter, and allows persistent only for topics", async () => {
    const posts: unknown[] = [];
    const app = appWith(posts);
    const draft = ref<SendDraft>({ to: BOB, type: "task", content: "", persistent: false, replyTo: null });
    const wrapper = mount(SendBar, {
      props: { modelValue: draft.value, "onUpdate:modelValue": (v: SendDraft) => (draft.value = v) },
      global: { provide: { [APP as symbol]: app } },
    });
    const textarea = wrapper.get("[data-testid=send-content]");
    await textarea.setValue("line one");
    await textarea.trigger("keydown", { key: "Enter", shiftKey: true });
    expect(posts).toHaveLength(0);
    await textarea.trigger("keydown", { key: "Enter" });
    await new Promise((r) => setTimeout(r, 0));
    expect(posts).toEqual([{ to: BOB, type: "task", content: "line one" }]);
    expect(app.notices.toasts.value.at(-1)?.text).toBe("Queued for 1 instance");

    const persistent = wrapper.get<HTMLInputElement>("[data-testid=send-persistent]");
    expect(persistent.element.disabled).toBe(true);
    await wrapper.setProps({ modelValue: { ...draft.value, to: "topic:deploys" } });
    expect(persistent.element.disabled).toBe(false);
  });
});

describe("FeedList", () => {
  it("renders a window of rows, not 10,000", async () => {
    // jsdom does no layout: give every element a screenful of size.
    Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
    Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 800 });
    const feed = createFeed(10_000);
    feed.append(Array.from({ length: 10_000 }, () => msg(ALICE, BOB)));
    const wrapper = mount(FeedList, {
      props: { items: feed.visible.value, selectedKey: null },
      attachTo: document.body,
    });
    await nextTick();
    await new Promise((r) => setTimeout(r, 20));
    await nextTick();
    const rows = wrapper.findAll("[data-testid=feed-message]").length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(60);
    wrapper.unmount();
  });
});

import { Cc2ccError } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { failure, success } from "../../src/tools/result.js";

const text = (r: { content: Array<{ type: string; text?: string }> }) =>
  r.content.map((c) => c.text ?? "").join("");

describe("tool results", () => {
  it("returns structured content and the same data as text", () => {
    const r = success("Sent m1.", { messageId: "m1" });
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent).toEqual({ messageId: "m1" });
    expect(text(r)).toContain('"messageId":"m1"');
  });

  it("turns hub errors into tool errors with the code and an actionable sentence", () => {
    const ambiguous = failure(
      new Cc2ccError("AMBIGUOUS_ADDRESS", "2 live instances match", {
        details: { candidates: ["a@h:p/1", "a@h:p/2"] },
      }),
    );
    expect(ambiguous.isError).toBe(true);
    expect(text(ambiguous)).toMatch(/^AMBIGUOUS_ADDRESS: /);
    expect(text(ambiguous)).toContain("a@h:p/1, a@h:p/2");

    const limited = failure(new Cc2ccError("RATE_LIMITED", "slow down", { details: { retryAfterMs: 3200 } }));
    expect(text(limited)).toContain("Wait 4s");
    expect(limited.structuredContent).toMatchObject({
      error: { code: "RATE_LIMITED", details: { retryAfterMs: 3200 } },
    });

    for (const code of ["QUEUE_FULL", "HUB_UNREACHABLE", "UNKNOWN_RECIPIENT"] as const) {
      const r = failure(new Cc2ccError(code, "x"));
      expect(r.structuredContent).toMatchObject({ error: { code } });
      expect((r.structuredContent as { error: { hint?: string } }).error.hint?.length ?? 0).toBeGreaterThan(
        10,
      );
    }
  });

  it("reports unexpected exceptions as INTERNAL", () => {
    expect(text(failure(new TypeError("boom")))).toBe(
      "INTERNAL: boom\nA bug in the hub or the plugin; retrying may work. Tell the user if it persists.",
    );
  });
});

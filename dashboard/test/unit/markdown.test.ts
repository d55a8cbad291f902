import { describe, expect, it } from "vitest";
import { Lru, renderMarkdown } from "../../src/lib/markdown";

describe("untrusted Markdown", () => {
  it("renders Markdown", () => {
    const html = renderMarkdown("**bold** and `code`\n\n- a\n- b");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<code>code</code>");
    expect(html).toContain("<li>a</li>");
  });

  it.each([
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div style="position:fixed">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![img](https://tracker.example/pixel.png)",
    "<svg><script>alert(1)</script></svg>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
  ])("renders %s without anything active", (input) => {
    const root = document.createElement("div");
    root.innerHTML = renderMarkdown(input);
    expect(root.querySelectorAll("script, img, iframe, svg, object, embed, style, form, input").length).toBe(
      0,
    );
    for (const el of root.querySelectorAll("*")) {
      for (const attr of el.getAttributeNames()) expect(attr).not.toMatch(/^(on|style|src)/i);
    }
    for (const a of root.querySelectorAll("a[href]"))
      expect(a.getAttribute("href")).toMatch(/^(https?:|mailto:)/);
  });

  it("opens links in a new tab without opener or referrer", () => {
    const html = renderMarkdown("see https://example.com/x");
    expect(html).toContain('href="https://example.com/x"');
    expect(html).toContain('target="_blank"');
    expect(html).toContain("noopener");
    expect(html).toContain("noreferrer");
  });

  it("cuts previews of huge content", () => {
    const html = renderMarkdown("a".repeat(10_000), 100);
    expect(html.length).toBeLessThan(200);
    expect(html).toContain("…");
  });

  it("keeps its cache bounded, evicting the least recently used", () => {
    const lru = new Lru<number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.get("a");
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe(1);
    expect(lru.size).toBe(2);
  });
});

import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

/**
 * Message content is untrusted text from another agent. markdown-it runs with raw HTML off, and
 * its output still goes through DOMPurify (defence in depth) with a small allow-list; links open
 * in a new tab without referrer or opener. Rendering is cached per content string (LRU), so a
 * 10,000-message feed renders only what scrolls into view, once.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

const ALLOWED_TAGS = [
  "p",
  "br",
  "hr",
  "strong",
  "em",
  "s",
  "del",
  "code",
  "pre",
  "blockquote",
  "ul",
  "ol",
  "li",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "a",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
];
const ALLOWED_ATTR = ["href", "title", "start", "align"];
const SAFE_URL = /^(?:https?:|mailto:)/i;

let hooked = false;
function hookOnce(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      const href = node.getAttribute("href") ?? "";
      if (!SAFE_URL.test(href)) node.removeAttribute("href");
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });
}

export function sanitize(html: string): string {
  hookOnce();
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: [...ALLOWED_ATTR, "target", "rel"] });
}

/** Bounded least-recently-used cache. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

const cache = new Lru<string>(600);
/** Rendering a huge message in full would stall the feed; the inspector shows all of it. */
export const PREVIEW_CHARS = 4000;

export function renderMarkdown(content: string, maxChars = Number.POSITIVE_INFINITY): string {
  const text = content.length > maxChars ? `${content.slice(0, maxChars)}\n\n…` : content;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const html = sanitize(md.render(text));
  cache.set(text, html);
  return html;
}

import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT } from "./processes";

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM = process.env.CC2CC_CHROMIUM ?? "/usr/bin/chromium";
export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const SHOTS = join(ROOT, "dashboard", "test-results", "screenshots");

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh profile per launch, so nothing (keys, theme) leaks between runs. */
export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "cc2cc-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
    colorScheme: "dark",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SHOTS, { recursive: true });
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves `test-results/screenshots/<name>.png`; with CC2CC_SCREENSHOT_DIR set (docs/screenshots
 * for the README) a copy goes there too, so the published pictures come from a passing run.
 * A relative CC2CC_SCREENSHOT_DIR is taken from the repository root, not from the package
 * directory pnpm runs the tests in.
 */
export async function shot(page: Page, name: string): Promise<Buffer> {
  const path = join(SHOTS, `${name}.png`);
  const png = await page.screenshot({ path });
  const dir = process.env.CC2CC_SCREENSHOT_DIR;
  if (dir) {
    const publish = resolve(ROOT, dir);
    mkdirSync(publish, { recursive: true });
    copyFileSync(path, join(publish, `${name}.png`));
  }
  return png;
}

/**
 * Collects Content-Security-Policy violations of the page: the `securitypolicyviolation` event
 * (registered before any page script runs) and Chromium's "Refused to …" console errors, so a
 * blocked inline style or connection fails the test instead of passing unnoticed.
 */
export async function watchCsp(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction("__cc2ccCspViolation", (text: string) => {
    seen.push(text);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (window as unknown as { __cc2ccCspViolation(t: string): void }).__cc2ccCspViolation;
      report(
        `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

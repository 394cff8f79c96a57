/**
 * Headless Chromium for the site's end-to-end tests, screenshots and the site benchmark: one launch recipe, and the
 * page sizes the site must work at.
 */
import { type Browser, chromium, type Page } from "playwright-core";

/** Flags every headless run uses: no sandbox (root in CI), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's Chromium; playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The viewports the site must work at [CSS px]: two phones and a laptop. */
export const VIEWPORTS = {
  phoneSmall: { width: 360, height: 640 },
  phone: { width: 390, height: 844 },
  desktop: { width: 1366, height: 900 },
} as const;

/** Starts headless Chromium with {@link CHROMIUM_ARGS} plus `extraArgs`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Waits for the islands' ready marker (`html[data-islands-ready="1"]`, set by web/islands/hooks.ts after an island's
 * first effect); returns at once on a page without islands.
 */
export async function waitForIslands(page: Page, timeoutMs = 30_000): Promise<void> {
  if ((await page.locator("bs-island").count()) === 0) return;
  await page.waitForSelector("html[data-islands-ready='1']", { timeout: timeoutMs });
}

/** Collects the page's console lines and uncaught errors, for failure messages. */
export function recordConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on("console", (msg) => lines.push(`${msg.type()}: ${msg.text()}`));
  page.on("pageerror", (err) => lines.push(`pageerror: ${err.message}`));
  return lines;
}

/**
 * Screenshots of the site's pages at two phone sizes and a laptop size, into test-results/screens/, with layout and
 * accessibility checks on each: no sideways scrolling, touch targets of at least 44 px, every field named.
 *
 * The song is the demo groove, seeded through the real API and inference (scripts/seed_demo.ts); the browser
 * carries its owner's session so the job page opens.
 */
import assert from "node:assert/strict";
import { clientFor } from "../../scripts/api_client.ts";
import { seedDemo } from "../../scripts/seed_demo.ts";
import { SESSION_COOKIE } from "../../web/lib/auth.ts";
import { launchChromium, recordConsole, VIEWPORTS, waitForIslands } from "./browser.ts";
import { startE2eStack } from "./harness.ts";
import { horizontalOverflow, smallTargets, unnamedFields } from "./layout_checks.ts";

const SHOTS_DIR = new URL("../../test-results/screens/", import.meta.url).pathname;

Deno.test({
  name: "screens - every page at 360x640, 390x844 and 1366x900: screenshot, no sideways scroll, 44 px targets, names",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await Deno.mkdir(SHOTS_DIR, { recursive: true });
    const stack = await startE2eStack("screens", { LOG_LEVEL: "warn" });
    const browser = await launchChromium();
    try {
      const dataDir = await Deno.makeTempDir({ prefix: "beatsight-screens-" });
      const demo = await seedDemo(stack.webUrl, dataDir);
      await Deno.remove(dataDir, { recursive: true });
      const { items } = await clientFor(stack.webUrl, demo.token).call<{ items: { id: string }[] }>(
        "GET",
        `/jobs?type=generate_map&songId=${demo.songId}&limit=1`,
      );
      const pages: Record<string, string> = {
        home: "/",
        song: `/songs/${demo.songId}`,
        job: `/jobs/${items[0].id}`,
        map: `/songs/${demo.songId}/map`,
        library: "/library",
        signin: "/signin",
      };
      const problems: string[] = [];
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        const context = await browser.newContext({ viewport });
        await context.addCookies([{ name: SESSION_COOKIE, value: demo.token, url: stack.webUrl }]);
        const page = await context.newPage();
        const consoleLines = recordConsole(page);
        for (const [name, path] of Object.entries(pages)) {
          const res = await page.goto(`${stack.webUrl}${path}`, { waitUntil: "networkidle" });
          assert.equal(res?.status(), 200, `${name} (${path}) answered ${res?.status()}`);
          await waitForIslands(page);
          await page.screenshot({
            path: `${SHOTS_DIR}${name}-${viewport.width}x${viewport.height}.png`,
            fullPage: true,
          });
          const found = [
            ...await horizontalOverflow(page),
            ...await smallTargets(page),
            ...await unnamedFields(page),
          ];
          problems.push(...found.map((p) => `${name} at ${size} ${viewport.width}x${viewport.height}: ${p}`));
        }
        const errors = consoleLines.filter((l) => l.startsWith("pageerror") || l.startsWith("error"));
        assert.deepEqual(errors, [], `browser errors at ${size}`);
        await context.close();
      }
      assert.deepEqual(problems, [], `layout problems:\n${problems.join("\n")}`);
    } finally {
      await browser.close();
      await stack.close();
    }
  },
});

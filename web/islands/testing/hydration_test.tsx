/**
 * Real-browser hydration test: a server-rendered page with two islands given the same signal; clicking the
 * button island must update the view island (one signal after revival), with no full re-render.
 */
import { launchChromium } from "../../../tests/e2e/browser.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { signal } from "@preact/signals";
import { buildIslands, isHashedAsset } from "../../build.ts";
import { TEST_ISLANDS } from "./mod.ts";
import { Island } from "../../lib/islands.ts";
import { renderPage } from "../../lib/render.tsx";
import CountButton from "./CountButton.tsx";
import CountView from "./CountView.tsx";

function page(): string {
  const count = signal(2);
  const props = { count, when: new Date(0), tags: new Set(["a"]), bytes: new Uint8Array([1]) };
  return renderPage(
    <html>
      <head>
        <title>hydration</title>
      </head>
      <body>
        <Island name="CountView" props={props} />
        <p id="static">static text</p>
        <Island name="CountButton" props={{ count }} />
      </body>
    </html>,
    { assets, registry: { CountButton, CountView } },
  );
}

let assets = { manifest: {} as Record<string, string>, runtime: "" };

Deno.test("islands - two islands hydrate in a real browser and share one signal", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "bs-hydrate-" });
  assets = await buildIslands({ outDir, islands: TEST_ISLANDS });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/") return new Response(page(), { headers: { "content-type": "text/html; charset=utf-8" } });
    const file = path.replace("/static/build/", "");
    if (!isHashedAsset(file)) return new Response("not found", { status: 404 });
    return new Response(await Deno.readFile(join(outDir, file)), { headers: { "content-type": "text/javascript" } });
  });
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
    await tab.waitForSelector("html[data-islands-ready='1']", { timeout: 10_000 });
    assert.equal(await tab.textContent("[data-testid=count]"), "2");
    await tab.click("[data-testid=increment]");
    await tab.click("[data-testid=increment]");
    assert.equal(await tab.textContent("[data-testid=count]"), "4");
    assert.equal(await tab.textContent("[data-testid=doubled]"), "8");
    assert.equal(await tab.textContent("[data-testid=kinds]"), "true/true/true");
    assert.equal(await tab.locator("bs-island[data-hydrated='1']").count(), 2);
    assert.equal(await tab.textContent("#static"), "static text");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(outDir, { recursive: true });
  }
});

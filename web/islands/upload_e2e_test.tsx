/**
 * The upload flow through the whole web stack in a real browser: the pages and API of createApp over the real
 * stand-ins (test harness), the presigned PUT straight to s3rver, then the song page.
 */
import { launchChromium } from "../../tests/e2e/browser.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createApp } from "../app.ts";
import { startHarness, wavBytes } from "../lib/test_harness.ts";
import { pages } from "../routes/pages.tsx";

Deno.test("Uploader - a guest uploads a WAV and lands on its song page", async () => {
  const h = await startHarness();
  const app = createApp(h.deps, { pages });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
    await tab.waitForSelector("html[data-islands-ready='1']", { timeout: 10_000 });
    await tab.locator("[data-testid=upload-file]").setInputFiles({
      name: "groove.wav",
      mimeType: "audio/wav",
      buffer: Buffer.from(wavBytes(4096)),
    });
    await tab.click("[data-testid=upload-submit]");
    await tab.waitForURL(/\/songs\/[0-9a-f-]{36}$/, { timeout: 10_000 }).catch(async (e) => {
      throw new Error(`${e.message}; error box: ${await tab.textContent("[data-testid=error]").catch(() => "none")}`);
    });
    assert.match(await tab.textContent("h1") ?? "", /groove/);
    const [{ n }] = await h.deps.sql`select count(*)::int as n from songs where title = 'groove'`;
    assert.equal(n, 1);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.shutdown();
    await h.close();
  }
});

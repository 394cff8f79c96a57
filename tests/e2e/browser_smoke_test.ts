/**
 * Browser smoke test in headless Chromium: upload a generated groove on the home page, watch the job page's live
 * progress, open the drum map. Screenshots go to test-results/browser-smoke/.
 */
import { launchChromium } from "./browser.ts";
import assert from "node:assert/strict";
import { renderDrumPattern } from "../../inference/src/testing/synth.ts";
import { startE2eStack } from "./harness.ts";

Deno.test({
  name: "browser - upload -> progress -> map in headless Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const shots = new URL("../../test-results/browser-smoke/", import.meta.url).pathname;
    await Deno.mkdir(shots, { recursive: true });
    const wavPath = await Deno.makeTempFile({ suffix: ".wav" });
    await Deno.writeFile(wavPath, renderDrumPattern({ bpm: 120, bars: 4, seed: 21 }).wav);
    const stack = await startE2eStack("browser");
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const consoleLines: string[] = [];
    page.on("console", (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
    try {
      await page.goto(stack.webUrl);
      await page.waitForSelector("html[data-islands-ready='1']", { timeout: 30_000 });
      await page.setInputFiles("[data-testid=upload-file]", wavPath);
      await page.click("[data-testid=upload-submit]");
      await page.waitForURL(/\/songs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
      await page.screenshot({ path: `${shots}song.png` });

      const generate = page.locator("[data-testid=generate-map]");
      await generate.waitFor({ state: "visible", timeout: 60_000 });
      await page.waitForSelector("html[data-islands-ready='1']");
      await generate.click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      await page.waitForSelector("[data-testid=job-status][data-status=succeeded]", { timeout: 90_000 });
      for (const stage of ["decode", "transcribe", "beats", "quantize", "package"]) {
        assert.equal(await page.getAttribute(`[data-testid=stage-${stage}]`, "data-state"), "done", stage);
      }
      await page.screenshot({ path: `${shots}job.png` });

      await page.click("[data-testid=open-map]");
      await page.waitForSelector("[data-testid=player]", { timeout: 30_000 });
      const bsmUrl = await page.getAttribute("[data-testid=download-bsm]", "href");
      const document = await page.evaluate(async (url) => (await fetch(url!)).json(), bsmUrl);
      assert.equal(document.format, "bsm");
      assert.ok(document.notes.length > 10, `only ${document.notes.length} notes`);
      await page.screenshot({ path: `${shots}map.png`, fullPage: true });
    } catch (err) {
      await page.screenshot({ path: `${shots}failure.png`, fullPage: true }).catch(() => {});
      console.error(`browser console:\n${consoleLines.join("\n")}\nat ${page.url()}`);
      throw err;
    } finally {
      await browser.close();
      await stack.close();
      await Deno.remove(wavPath);
    }
  },
});

/** The layout checks catch what they claim to, on pages built to break them (no app needed). */
import assert from "node:assert/strict";
import { launchChromium } from "./browser.ts";
import { horizontalOverflow, smallTargets, unnamedFields } from "./layout_checks.ts";

const GOOD = `<!DOCTYPE html><meta name=viewport content="width=device-width">
<header><a href="/" style="display:inline-block;min-height:44px;min-width:44px">Home</a></header>
<label style="display:block;height:48px"><input type=checkbox> Metronome</label>
<label for=q>Search</label><input id=q style="height:44px;width:200px">
<button style="height:44px;width:44px" aria-label="Play"></button>
<p>An <a href="/x">inline link</a> in text is not a target.</p>`;

const BAD = `<!DOCTYPE html><meta name=viewport content="width=device-width">
<header><a href="/">Home</a></header>
<div style="width:2000px">wide</div>
<input id=q style="height:44px;width:200px">
<button style="height:44px;width:44px"></button>`;

Deno.test({
  name: "layout checks - pass a good page, name each problem on a bad one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 360, height: 640 } });
      await page.setContent(GOOD);
      assert.deepEqual(await horizontalOverflow(page), []);
      assert.deepEqual(await smallTargets(page), []);
      assert.deepEqual(await unnamedFields(page), []);

      await page.setContent(BAD);
      assert.match((await horizontalOverflow(page))[0], /scrollWidth 20\d\d > innerWidth 360/);
      const small = await smallTargets(page);
      assert.equal(small.length, 1, small.join("\n"));
      assert.match(small[0], /^a "Home" is \d+x\d+ px/);
      assert.deepEqual(await unnamedFields(page), [
        "input#q[type=text] has no name",
        "button[type=submit] has no name",
      ]);
    } finally {
      await browser.close();
    }
  },
});

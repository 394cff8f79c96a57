/**
 * The map player in real Chromium through the real app (test harness: Postgres, s3rver, ...): a song with a
 * synthesized WAV uploaded to S3 and its stored .bsm. Plays, seeks, changes speed, loops, uses the keyboard and
 * downloads the files, at a phone-sized viewport.
 */
import { launchChromium } from "../../../tests/e2e/browser.ts";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { guest, startHarness } from "../../lib/test_harness.ts";
import { pages } from "../../routes/pages.tsx";
import { seedSongWithMap } from "./testing.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const num = async (tab: Page, selector: string, attr: string) => Number(await tab.getAttribute(selector, attr));
const now = (tab: Page) => num(tab, "[data-testid=player]", "data-current-time");
const scroll = (tab: Page) => num(tab, "[data-testid=highway]", "data-scroll");
const state = (tab: Page) => tab.getAttribute("[data-testid=player]", "data-state");

/** Waits until `check` holds, polling every 50 ms, or fails with `what`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function setRange(tab: Page, testId: string, value: number): Promise<void> {
  await tab.locator(`[data-testid=${testId}]`).evaluate((el, v) => {
    (el as HTMLInputElement).value = String(v);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, value);
}

/** Presses `key` with nothing focused, so the page-level shortcut (not a focused control) handles it. */
async function shortcut(tab: Page, key: string): Promise<void> {
  await tab.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await tab.keyboard.press(key);
}

Deno.test({
  name: "Player - plays the song against the highway, seeks, slows down, loops A-B, keys, downloads",
  ...opts,
  async fn(t) {
    const h = await startHarness({ pages });
    const owner = await guest(h.app);
    const song = await seedSongWithMap(h, owner.userId, { bars: 8 });
    const browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
    try {
      const context = await browser.newContext({ viewport: { width: 360, height: 640 }, acceptDownloads: true });
      const tab = await context.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (e) => errors.push(e.message));
      await tab.goto(`${h.deps.config.publicUrl}/songs/${song.songId}/map`);
      await tab.waitForSelector("html[data-islands-ready='1']", { timeout: 10_000 });
      await until("audio metadata", () => tab.evaluate(() => document.querySelector("audio")!.readyState >= 1));

      await t.step("play: the audio time advances and the highway scrolls with it", async () => {
        assert.equal(await state(tab), "paused");
        const before = await scroll(tab);
        await tab.click("[data-testid=player-play]");
        await until("playing", async () => (await state(tab)) === "playing");
        await until("time > 0.5 s", async () => (await now(tab)) > 0.5);
        const s1 = await scroll(tab);
        await tab.waitForTimeout(200);
        assert.ok((await scroll(tab)) > s1 && s1 > before, "data-scroll moves every frame");
        assert.equal(await tab.textContent("[data-testid=player-status]"), "Playing");
        const fps = await tab.evaluate(() =>
          new Promise<number>((resolve) => {
            let frames = 0;
            const start = performance.now();
            const step =
              () => (++frames, performance.now() - start < 1000 ? requestAnimationFrame(step) : resolve(frames));
            requestAnimationFrame(step);
          })
        );
        console.log(`player frames per second at 360x640 while playing: ${fps}`);
      });

      await t.step("space toggles play and pause", async () => {
        await shortcut(tab, " ");
        await until("paused by space", async () => (await state(tab)) === "paused");
        const paused = await now(tab);
        await tab.waitForTimeout(250);
        assert.ok(Math.abs((await now(tab)) - paused) < 0.01, "time stands still while paused");
        await shortcut(tab, " ");
        await until("playing by space", async () => (await state(tab)) === "playing");
      });

      await t.step("seek with the range and the arrow keys", async () => {
        await setRange(tab, "player-seek", 6);
        await until("time near 6 s", async () => Math.abs((await now(tab)) - 6.2) < 0.4);
        await until(
          "notation follows to bar 4",
          async () => (await num(tab, "[data-testid=notation]", "data-bar")) >= 4,
        );
        await shortcut(tab, "ArrowLeft");
        await until("time near 1 s", async () => (await now(tab)) < 2.2);
      });

      await t.step("speed 50% sets playbackRate and keeps the pitch", async () => {
        await setRange(tab, "player-speed", 50);
        const audio = await tab.evaluate(() => {
          const a = document.querySelector("audio")!;
          return { rate: a.playbackRate, pitch: a.preservesPitch };
        });
        assert.deepEqual(audio, { rate: 0.5, pitch: true });
        assert.match(await tab.textContent("[data-testid=player]") ?? "", /Speed 50%/);
        await shortcut(tab, "+");
        await shortcut(tab, "+");
        assert.equal(await tab.evaluate(() => document.querySelector("audio")!.playbackRate), 0.6);
        await setRange(tab, "player-speed", 100);
      });

      await t.step("loop A-B keeps the time inside [A, B]", async () => {
        await setRange(tab, "player-seek", 2);
        await tab.waitForTimeout(100);
        await tab.click("[data-testid=loop-a]");
        await tab.waitForTimeout(600);
        await shortcut(tab, "]");
        const loop = (await tab.getAttribute("[data-testid=player]", "data-loop")) ?? "";
        const [a, b] = loop.split("-").map(Number);
        assert.ok(a >= 1.9 && a < 2.5 && b > a + 0.3 && b < a + 1.2, `loop ${loop}`);
        const seen: number[] = [];
        for (let i = 0; i < 40; i++) {
          seen.push(await now(tab));
          await tab.waitForTimeout(50);
        }
        assert.ok(seen.every((x) => x >= a - 0.001 && x <= b + 0.001), `times ${seen} outside ${loop}`);
        assert.ok(seen.some((x, i) => i > 0 && x < seen[i - 1]), "the loop jumped back to A at least once");
        await shortcut(tab, "l");
        assert.equal(await tab.getAttribute("[data-testid=player]", "data-loop"), null);
      });

      await t.step("clicking the highway seeks ahead to the note shown there", async () => {
        await shortcut(tab, " ");
        await until("paused", async () => (await state(tab)) === "paused");
        const from = await now(tab);
        const highway = tab.locator("[data-testid=highway]");
        const box = (await highway.boundingBox())!;
        // Near the top of the highway: about LOOKAHEAD_SEC (2 s) ahead of the hit line.
        await highway.click({ position: { x: box.width / 2, y: 10 } });
        await until("time jumped ahead", async () => (await now(tab)) > from + 1.2);
        // The highway redraws on the next animation frame, so it may trail the seek by one frame.
        await until(
          "the highway shows the new time",
          async () => Math.abs((await scroll(tab)) - (await now(tab))) < 0.001,
        );
      });

      await t.step("downloads: the .bsm is the map as JSON, the MIDI file a named .mid", async () => {
        const [bsm] = await Promise.all([tab.waitForEvent("download"), tab.click("[data-testid=download-bsm]")]);
        assert.equal(bsm.suggestedFilename(), "Groove.bsm");
        assert.deepEqual(JSON.parse(await Deno.readTextFile((await bsm.path())!)), song.map);
        const [mid] = await Promise.all([tab.waitForEvent("download"), tab.click("[data-testid=download-midi]")]);
        assert.equal(mid.suggestedFilename(), "Groove.mid");
        const head = (await Deno.readFile((await mid.path())!)).subarray(0, 4);
        assert.equal(new TextDecoder().decode(head), "MThd");
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await h.close();
    }
  },
});

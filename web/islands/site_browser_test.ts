/**
 * The site in a real browser over the real stand-ins: search as you type (SearchBox), and the PWA — manifest, the
 * service worker registering, a saved map cached, and its page opening with the network off.
 */
import assert from "node:assert/strict";
import { launchChromium, VIEWPORTS } from "../../tests/e2e/browser.ts";
import { putObject, seedReadySong, startHarness } from "../lib/test_harness.ts";
import { pages } from "../routes/pages.tsx";
import { seedMappedSong } from "../routes/api/seed_testing.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const BSM = {
  format: "bsm",
  version: 1,
  durationSec: 4,
  tempo: { bpm: 120, beats: [0.5, 1, 1.5, 2], downbeats: [0.5] },
  timeSignature: [4, 4],
  notes: [{ time: 0.5, lane: "kick", velocity: 100 }, { time: 1, lane: "snare", velocity: 90 }],
};

Deno.test(
  "site in Chromium - search as you type; saved map opens offline through the service worker",
  opts,
  async (t) => {
    const h = await startHarness({ pages });
    const browser = await launchChromium();
    try {
      const owner = (await (await h.app.request("/api/v1/sessions/guest", { method: "POST" })).json()).user.id;
      const black = await seedMappedSong(h, owner, "Back in Black", "AC/DC", true);
      await seedMappedSong(h, owner, "Billie Jean", "Michael Jackson");
      await putObject(
        h,
        `maps/unverified/${black.songId}/${black.jobId}.bsm`,
        new TextEncoder().encode(JSON.stringify(BSM)),
        "application/json",
      );
      await seedReadySong(h, owner);
      const base = h.deps.config.publicUrl;
      const context = await browser.newContext({ viewport: VIEWPORTS.phone });
      const tab = await context.newPage();

      await t.step("typing filters the results without a page load and updates the address", async () => {
        await tab.goto(`${base}/`);
        await tab.waitForSelector("html[data-islands-ready='1']");
        await tab.waitForSelector("[data-testid=search-results][data-count='2']");
        await tab.locator("[data-testid=search-input]").pressSequentially("jack", { delay: 30 });
        // "j" alone already leaves one result, so wait for the whole query to reach the address before reading it
        await tab.waitForFunction(() => location.search === "?q=jack", undefined, { timeout: 5000 });
        await tab.waitForSelector("[data-testid=search-results][data-count='1']", { timeout: 5000 });
        assert.equal(await tab.textContent("[data-testid=search-result] .result-title"), "Billie Jean");
        assert.match(tab.url(), /\?q=jack$/);
        await tab.locator("[data-testid=search-input]").fill("");
        await tab.locator("[data-testid=verified-filter]").check();
        await tab.waitForFunction(() =>
          document.querySelector("[data-testid=search-results]")?.textContent?.includes("Back in Black") &&
          document.querySelectorAll("[data-testid=search-result]").length === 1
        );
      });

      await t.step("the manifest is linked and the service worker takes control", async () => {
        const href = await tab.getAttribute("link[rel=manifest]", "href");
        const manifest = await (await tab.request.get(`${base}${href}`)).json();
        assert.equal(manifest.display, "standalone");
        const state = await tab.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
        assert.equal(state, "activated");
        // Chromium's own verdict on installability (manifest fields, icons, secure origin, service worker).
        const cdp = await context.newCDPSession(tab);
        const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
        // Playwright's contexts are incognito, where Chromium never offers installs; every other check must pass.
        const errors = installabilityErrors.map((e: { errorId: string }) => e.errorId);
        assert.deepEqual(errors.filter((id: string) => id !== "in-incognito"), []);
      });

      const mapUrl = `${base}/songs/${black.songId}/map`;
      await t.step("saving a map stores its page and .bsm for offline use", async () => {
        await tab.goto(mapUrl);
        await tab.waitForSelector("html[data-islands-ready='1']");
        await tab.click("[data-testid=save-map]");
        await tab.waitForSelector("[data-testid=save-map][data-offline='1'][aria-pressed='true']");
        const cached = await tab.evaluate(async () =>
          (await (await caches.open("bs-saved-maps")).keys()).map((r) => new URL(r.url).pathname)
        );
        assert.deepEqual(cached.sort(), [`/api/v1/songs/${black.songId}/map.bsm`, `/songs/${black.songId}/map`].sort());
        const [{ n }] = await h.deps.sql`select count(*)::int as n from saved_maps where map_id = ${black.mapId}`;
        assert.equal(n, 1);
      });

      await t.step("offline: the saved map page and its .bsm load; other pages show the offline page", async () => {
        await context.setOffline(true);
        const response = await tab.goto(mapUrl);
        assert.ok(response?.fromServiceWorker(), "answered by the service worker from its saved copy");
        assert.match(await tab.textContent("h1") ?? "", /Drum map/);
        assert.ok(await tab.isVisible("[data-testid=player]"));
        const bsm = await tab.evaluate(
          async (url) => (await fetch(url)).json(),
          `/api/v1/songs/${black.songId}/map.bsm`,
        );
        assert.equal(bsm.tempo.bpm, 120);
        await tab.goto(`${base}/library`);
        assert.ok(await tab.isVisible("[data-testid=offline]"));
        await context.setOffline(false);
      });
      await context.close();
    } finally {
      await browser.close();
      await h.close();
    }
  },
);

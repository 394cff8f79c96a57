/** The issue-3 pages over the real stand-ins: catalogue search, verified-map / quota on the song page, library, profile, PWA files. */
import assert from "node:assert/strict";
import { guest, json, seedReadySong, startHarness } from "../../lib/test_harness.ts";
import { seedMappedSong } from "../api/seed_testing.ts";
import { pages } from "./index.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("site pages - search, song, library, profile, offline and the PWA files", opts, async (t) => {
  const h = await startHarness({ pages, env: { FREE_MONTHLY_AI_RUNS: "3" } });
  try {
    const alice = await guest(h.app);
    const cookie = { cookie: `bs_session=${alice.headers.authorization.slice(7)}` };
    const page = async (path: string) => {
      const res = await h.app.request(path, { headers: cookie });
      return { status: res.status, html: await res.text() };
    };
    const verified = await seedMappedSong(h, alice.userId, "Back in Black", "AC/DC", true);
    await seedMappedSong(h, alice.userId, "Billie Jean", "Michael Jackson");

    await t.step("home renders the first page of results for ?q= and the verified filter", async () => {
      const all = await page("/");
      assert.match(all.html, /data-testid="search-results" data-count="2"/);
      const black = await page("/?q=black");
      assert.match(black.html, /data-testid="search-input" value="black"|value="black"[^>]*data-testid="search-input"/);
      assert.match(black.html, /data-count="1"/);
      assert.match(black.html, new RegExp(`href="/songs/${verified.songId}" data-testid="search-result"`));
      const onlyVerified = await page("/?verified=1");
      assert.match(onlyVerified.html, /data-count="1"[\s\S]*Back in Black/);
      assert.equal((await page(`/?q=${"x".repeat(101)}`)).status, 400);
    });

    await t.step(
      "song page: verified map exists (no AI button); otherwise Generate with AI and the quota",
      async () => {
        const song = await page(`/songs/${verified.songId}`);
        assert.match(song.html, /data-testid="verified-map-exists"/);
        assert.doesNotMatch(song.html, /generate-map/);
        assert.match(song.html, /data-island="SaveMapButton"/);
        const ready = await seedReadySong(h, alice.userId);
        await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "fingerprint", songId: ready }));
        await h.deps.sql`update songs set status = 'ready' where id = ${ready}`;
        await h.deps.sql`update ai_jobs set status = 'succeeded' where song_id = ${ready}`;
        const fresh = await page(`/songs/${ready}`);
        assert.match(fresh.html, /Generate with AI/);
        assert.match(fresh.html, /data-testid="quota-remaining" data-remaining="3">3 of 3 AI runs left this month/);
      },
    );

    await t.step("library lists saved maps, recent jobs and notifications", async () => {
      await h.app.request(`/api/v1/me/saved-maps/${verified.mapId}`, json("POST", alice.headers, {}));
      await h.deps.sql`insert into notifications (user_id, kind, job_id, message, url)
        values (${alice.userId}, 'job_succeeded', ${verified.jobId}, 'Your drum map is ready.', '/x')`;
      const { html } = await page("/library");
      assert.match(html, new RegExp(`data-testid="saved-map" data-map-id="${verified.mapId}"`));
      assert.match(html, /data-testid="recent-job" data-status="(queued|succeeded)"/);
      assert.match(html, /data-testid="notifications" data-unread="1"/);
      assert.match(html, /Your drum map is ready\./);
    });

    await t.step("profile shows plan and quota; offline page renders without any script", async () => {
      const profile = await page("/profile");
      assert.match(profile.html, /data-testid="profile-plan">Free/);
      assert.match(profile.html, /data-testid="quota-remaining"/);
      assert.match(profile.html, /href="\/signup"/);
      const offline = await page("/offline");
      assert.match(offline.html, /data-testid="offline"/);
      assert.doesNotMatch(offline.html, /<script/);
    });

    await t.step("manifest, icons and service worker", async () => {
      const res = await h.app.request("/manifest.webmanifest");
      assert.match(res.headers.get("content-type") ?? "", /application\/manifest\+json/);
      const manifest = await res.json();
      assert.equal(manifest.display, "standalone");
      assert.ok(manifest.start_url && manifest.name && manifest.short_name);
      const sizes = manifest.icons.map((i: { sizes: string; purpose?: string }) => `${i.sizes}:${i.purpose ?? "any"}`);
      for (const want of ["192x192:any", "512x512:any", "512x512:maskable"]) assert.ok(sizes.includes(want), want);
      for (const icon of manifest.icons.filter((i: { type: string }) => i.type === "image/png")) {
        const png = new Uint8Array(await (await h.app.request(icon.src)).arrayBuffer());
        assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47], icon.src);
        const size = new DataView(png.buffer).getUint32(16);
        assert.equal(`${size}x${size}`, icon.sizes);
      }
      assert.equal((await h.app.request("/static/icons/icon-64.png")).status, 404);
      const sw = await (await h.app.request("/sw.js")).text();
      assert.doesNotMatch(sw, /__VERSION__|__PRECACHE__/);
      const precache = JSON.parse(/const PRECACHE = (\[.*\]);/.exec(sw)![1]) as string[];
      assert.ok(precache.includes("/offline") && precache.includes("/static/app.css"));
      assert.ok(precache.some((u) => /^\/static\/build\/runtime-[A-Z0-9]{8}\.js$/.test(u)));
    });
  } finally {
    await h.close();
  }
});

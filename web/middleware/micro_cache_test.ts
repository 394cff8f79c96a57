import assert from "node:assert/strict";
import { seedSongWithMap } from "../islands/player/testing.ts";
import { PageCache } from "../lib/page_cache.ts";
import { guest, startHarness } from "../lib/test_harness.ts";
import { pages } from "../routes/pages.tsx";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "micro-cache - anonymous map pages are reused within the TTL with the visitor's own CSRF token",
  ...opts,
  async fn() {
    const h = await startHarness({ pages });
    try {
      let now = 1_000_000;
      h.deps.pageCache = new PageCache(5000, 512, () => now);
      const owner = await guest(h.app);
      const { songId } = await seedSongWithMap(h, owner.userId, { title: "Cached groove" });
      const view = async (cookie?: string) => {
        const res = await h.app.request(`/songs/${songId}/map`, { headers: cookie ? { cookie } : {} });
        const html = await res.text();
        const token = html.match(/<meta name="csrf-token" content="([^"]+)"/)?.[1];
        return { res, html, token, setCookie: res.headers.get("set-cookie") ?? "" };
      };

      const first = await view();
      assert.equal(first.res.status, 200);
      assert.equal(first.res.headers.get("x-cache"), "miss");
      const second = await view();
      assert.equal(second.res.headers.get("x-cache"), "hit");
      assert.ok(second.token && first.token && second.token !== first.token, "each visitor gets their own token");
      assert.match(second.setCookie, /bs_csrf=/, "the hit still hands out the CSRF nonce cookie");
      assert.equal(second.html.replace(second.token!, ""), first.html.replace(first.token!, ""));

      await h.deps.sql`update songs set title = 'Renamed groove' where id = ${songId}`;
      assert.match((await view()).html, /Cached groove/, "within the TTL the cached page is served");
      now += 5001;
      const fresh = await view();
      assert.equal(fresh.res.headers.get("x-cache"), "miss");
      assert.match(fresh.html, /Renamed groove/, "after the TTL the page is rendered again");

      const signedIn = await h.app.request(`/songs/${songId}/map`, { headers: owner.headers });
      assert.equal(signedIn.headers.get("x-cache"), null, "signed-in visitors always get a fresh render");
    } finally {
      await h.close();
    }
  },
});

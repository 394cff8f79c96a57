import assert from "node:assert/strict";
import { findOrCreateUnverifiedMap } from "../../db/maps.ts";
import { guest, startHarness } from "../../lib/test_harness.ts";
import { pages } from "../pages.tsx";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "songs - a song is private to its uploader until it has a map, then anyone may read it",
  ...opts,
  async fn() {
    const h = await startHarness({ pages });
    try {
      const owner = await guest(h.app);
      const other = await guest(h.app);
      const [song] = await h.deps.sql`insert into songs (owner_id, title, status)
        values (${owner.userId}, 'Private groove', 'ready') returning id`;
      const read = (headers: Record<string, string>) => h.app.request(`/api/v1/songs/${song.id}`, { headers });

      assert.equal((await read(owner.headers)).status, 200);
      const hidden = await read(other.headers);
      assert.equal(hidden.status, 404);
      assert.equal((await hidden.json()).error.status, 404);
      assert.equal((await h.app.request(`/songs/${song.id}`)).status, 404, "anonymous page view");

      await findOrCreateUnverifiedMap(h.deps.sql, song.id);
      const shown = await read(other.headers);
      assert.equal(shown.status, 200);
      assert.equal((await shown.json()).song.title, "Private groove");
      const page = await h.app.request(`/songs/${song.id}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Private groove/);
    } finally {
      await h.close();
    }
  },
});

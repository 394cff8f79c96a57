/** The public catalogue: search by title/artist, verified filter, keyset pages, only songs with a map. */
import assert from "node:assert/strict";
import { guest, seedReadySong, startHarness } from "../../lib/test_harness.ts";
import { seedMappedSong } from "./seed_testing.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("catalogue API - search, verified filter, cursor pages, anonymous access", opts, async (t) => {
  const h = await startHarness();
  try {
    const alice = await guest(h.app);
    await seedMappedSong(h, alice.userId, "Back in Black", "AC/DC", true);
    await seedMappedSong(h, alice.userId, "Billie Jean", "Michael Jackson");
    await seedMappedSong(h, alice.userId, "Black Dog", "Led Zeppelin");
    await seedMappedSong(h, alice.userId, "100% Pure", "Wildcards");
    const unmapped = await seedReadySong(h, alice.userId);
    await h.deps.sql`update songs set title = 'Black Hole Sun' where id = ${unmapped}`;
    const search = async (query: string) => {
      const res = await h.app.request(`/api/v1/songs?${query}`);
      assert.equal(res.status, 200, await res.clone().text());
      return await res.json() as { items: { title: string; verified: boolean; url: string }[]; nextCursor: string };
    };

    await t.step("without a session, newest first, only songs with a map", async () => {
      const { items, nextCursor } = await search("");
      assert.deepEqual(items.map((i) => i.title), ["100% Pure", "Black Dog", "Billie Jean", "Back in Black"]);
      assert.equal(nextCursor, null);
      assert.match(items[0].url, /^\/songs\/[0-9a-f-]{36}$/);
    });

    await t.step("q matches title or artist, case-insensitive; LIKE wildcards are literal", async () => {
      assert.deepEqual((await search("q=BLACK")).items.map((i) => i.title), ["Black Dog", "Back in Black"]);
      assert.deepEqual((await search("q=zeppelin")).items.map((i) => i.title), ["Black Dog"]);
      assert.deepEqual((await search("q=100%25")).items.map((i) => i.title), ["100% Pure"]);
      assert.deepEqual((await search("q=%25")).items.map((i) => i.title), ["100% Pure"]);
      assert.deepEqual((await search("q=nothing-like-this")).items, []);
    });

    await t.step("verified=1 keeps songs with a verified map", async () => {
      const { items } = await search("verified=1");
      assert.deepEqual(items.map((i) => [i.title, i.verified]), [["Back in Black", true]]);
    });

    await t.step("cursor pages walk every result once", async () => {
      const seen: string[] = [];
      let cursor = "";
      for (let page = 0; page < 5; page++) {
        const body = await search(`limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...body.items.map((i) => i.title));
        if (!body.nextCursor) break;
        cursor = body.nextCursor;
      }
      assert.deepEqual(seen, ["100% Pure", "Black Dog", "Billie Jean", "Back in Black"]);
    });

    await t.step("bad input is a 400 naming the field", async () => {
      const tooLong = await h.app.request(`/api/v1/songs?q=${"x".repeat(101)}`);
      assert.equal(tooLong.status, 400);
      assert.match((await tooLong.json()).error.message, /"q"/);
      assert.equal((await h.app.request("/api/v1/songs?limit=0")).status, 400);
      const cursor = await h.app.request("/api/v1/songs?cursor=garbage");
      assert.equal(cursor.status, 400);
      assert.match((await cursor.json()).error.message, /cursor/);
    });

    await t.step("the catalogue route leaves the signed-in song routes alone", async () => {
      assert.equal((await h.app.request(`/api/v1/songs/${unmapped}`)).status, 401);
      const register = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
      assert.equal((await h.app.request("/api/v1/songs", register)).status, 401);
    });
  } finally {
    await h.close();
  }
});

import assert from "node:assert/strict";
import { seedSongWithMap } from "../../islands/player/testing.ts";
import { GM_DRUM_NOTES } from "../../lib/midi.ts";
import { StoredMapCache } from "../../lib/stored_maps.ts";
import { guest, putObject, startHarness } from "../../lib/test_harness.ts";
import { attachment, downloadBaseName } from "./map_files.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "map files - .bsm, MIDI and audio of a readable song; private songs and bad ids are 404",
  ...opts,
  async fn(t) {
    const h = await startHarness();
    try {
      const owner = await guest(h.app);
      const other = await guest(h.app);
      const shared = await seedSongWithMap(h, owner.userId, { title: "Blåbær Groove", artist: "The Kit" });
      const secret = await seedSongWithMap(h, owner.userId, { withMap: false });
      const get = (path: string, headers: Record<string, string> = {}) =>
        h.app.request(`/api/v1/songs/${path}`, { headers, redirect: "manual" });

      await t.step("map.bsm: the stored map as a named JSON attachment, for anyone once it has a map", async () => {
        for (const headers of [owner.headers, other.headers, {}]) {
          const res = await get(`${shared.songId}/map.bsm`, headers);
          assert.equal(res.status, 200);
          assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
          assert.equal(
            res.headers.get("content-disposition"),
            `attachment; filename="Bl_b_r Groove - The Kit.bsm"; filename*=UTF-8''Bl%C3%A5b%C3%A6r%20Groove%20-%20The%20Kit.bsm`,
          );
          assert.deepEqual(await res.json(), shared.map);
        }
      });

      await t.step("map.mid: a MIDI file with the map's notes on channel 10", async () => {
        const res = await get(`${shared.songId}/map.mid`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "audio/midi");
        assert.match(res.headers.get("content-disposition") ?? "", /filename="Bl_b_r Groove - The Kit\.mid"/);
        const bytes = new Uint8Array(await res.arrayBuffer());
        assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "MThd");
        let kicks = 0;
        for (let i = 0; i + 2 < bytes.length; i++) {
          if (bytes[i] === 0x99 && bytes[i + 1] === GM_DRUM_NOTES.kick) kicks++;
        }
        assert.equal(kicks, shared.map.notes.filter((n) => n.lane === "kick").length);
      });

      await t.step("audio: 302 to a presigned GET that serves the uploaded bytes", async () => {
        const res = await get(`${shared.songId}/audio`, other.headers);
        assert.equal(res.status, 302);
        assert.equal(res.headers.get("cache-control"), "private, no-store");
        const location = res.headers.get("location") ?? "";
        assert.match(location, /X-Amz-Signature=/);
        const audio = await fetch(location);
        assert.equal(audio.status, 200);
        assert.deepEqual(new Uint8Array(await audio.arrayBuffer()), shared.wav);
      });

      await t.step(
        "a song without a map is private: 404 for others and anonymous, files 404 for the owner",
        async () => {
          for (const headers of [other.headers, {}]) {
            for (const file of ["map.bsm", "map.mid", "audio"]) {
              const res = await get(`${secret.songId}/${file}`, headers);
              assert.equal(res.status, 404, file);
              assert.equal((await res.json()).error.message, "The song was not found.");
            }
          }
          const ownBsm = await get(`${secret.songId}/map.bsm`, owner.headers);
          assert.equal(ownBsm.status, 404);
          assert.equal((await ownBsm.json()).error.message, "This song has no drum map yet.");
          assert.equal((await get(`${secret.songId}/audio`, owner.headers)).status, 302, "the owner can play it");
        },
      );

      await t.step("bad ids are 400, unknown ids 404, a damaged stored map is a readable 404", async () => {
        const bad = await get("not-a-uuid/map.bsm");
        assert.equal(bad.status, 400);
        assert.match((await bad.json()).error.message, /"id"/);
        assert.equal((await get(`${crypto.randomUUID()}/map.mid`)).status, 404);
        await putObject(h, shared.mapKey, new TextEncoder().encode("{broken"), "application/json");
        h.deps.maps = new StoredMapCache(); // versions are immutable, so only a fresh process would read the damage
        const damaged = await get(`${shared.songId}/map.mid`);
        assert.equal(damaged.status, 404);
        assert.equal((await damaged.json()).error.message, "The stored map file is missing or damaged.");
      });

      await t.step("rejected uploads have no audio", async () => {
        await h.deps.sql`update uploads set status = 'rejected' where s3_key = ${shared.uploadKey}`;
        const res = await get(`${shared.songId}/audio`, owner.headers);
        assert.equal(res.status, 404);
        assert.equal((await res.json()).error.message, "This song's audio is not available.");
      });
    } finally {
      await h.close();
    }
  },
});

Deno.test("downloadBaseName / attachment - safe names with a UTF-8 form", () => {
  assert.equal(downloadBaseName({ title: 'AC/DC: "Live"?', artist: null }), "AC_DC_ _Live_");
  assert.equal(downloadBaseName({ title: "  ", artist: "  " }), "drum-map");
  assert.equal(attachment("a b.bsm"), `attachment; filename="a b.bsm"; filename*=UTF-8''a%20b.bsm`);
});

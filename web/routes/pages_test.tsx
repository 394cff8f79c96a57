/**
 * Page routes against a real Postgres (throwaway database) and a real s3rver, mounted in a minimal Hono app the
 * way web/app.ts mounts them.
 */
import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Hono } from "hono";
import { startS3 } from "../../devstack/s3.ts";
import { insertJob, updateJob } from "../db/jobs.ts";
import { findOrCreateUnverifiedMap, insertJobVersion } from "../db/maps.ts";
import { insertSong, type SongStatus } from "../db/songs.ts";
import { createTestDatabase } from "../db/test_db.ts";
import { insertUpload } from "../db/uploads.ts";
import { createGuestUser } from "../db/users.ts";
import type { AppDeps, AppEnv } from "../lib/app_env.ts";
import { signSession } from "../lib/auth.ts";
import { loadConfig } from "../lib/config.ts";
import { createLogger } from "../lib/log.ts";
import { createS3Client } from "../lib/storage.ts";
import { PageCache } from "../lib/page_cache.ts";
import { StoredMapCache } from "../lib/stored_maps.ts";
import { pages } from "./pages.tsx";

const SECRET = "s".repeat(40);
const BSM = {
  format: "bsm",
  version: 1,
  durationSec: 12.5,
  tempo: { bpm: 128, beats: [0.5, 0.97], downbeats: [0.5] },
  timeSignature: [3, 4],
  notes: [
    { time: 0.5, lane: "kick", velocity: 100 },
    { time: 0.97, lane: "snare", velocity: 90 },
    { time: 1.2, lane: "kick", velocity: 80 },
  ],
};

Deno.test("pages - render from real data, create guest sessions, serve static files", async (t) => {
  const db = await createTestDatabase({ max: 2 });
  const s3dir = await Deno.makeTempDir({ prefix: "bs-pages-s3-" });
  const s3 = await startS3({ directory: s3dir, bucket: "beatsight" });
  const config = loadConfig({
    UPSTASH_REDIS_REST_TOKEN: "unused",
    QSTASH_TOKEN: "unused",
    QSTASH_CURRENT_SIGNING_KEY: "unused",
    QSTASH_NEXT_SIGNING_KEY: "unused",
    CALLBACK_SIGNING_KEYS: "k1:0123456789abcdef0123",
    SESSION_SECRET: SECRET,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    MAX_UPLOAD_BYTES: "5242880",
  });
  const s3Client = createS3Client(config);
  const logs: string[] = [];
  // Only what the pages touch is provided; redis/qstash/metrics belong to the API routes.
  const deps = {
    config,
    sql: db.sql,
    s3: s3Client,
    log: createLogger({ sink: (l) => logs.push(l) }),
    maps: new StoredMapCache(),
    pageCache: new PageCache(0),
  } as unknown as AppDeps;
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("deps", deps);
    c.set("traceId", "trace-test");
    await next();
  });
  app.route("/", pages);

  const owner = await createGuestUser(db.sql, "Owner");
  const cookie = `bs_session=${await signSession(
    { id: owner.id, displayName: "Owner", role: "user", isGuest: true },
    SECRET,
  )}`;
  const get = (path: string, withCookie = true) => app.request(path, { headers: withCookie ? { cookie } : {} });
  const newSong = async (status: SongStatus, title = "Song") => {
    const id = crypto.randomUUID();
    await insertUpload(db.sql, {
      id,
      userId: owner.id,
      s3Key: `uploads/${id}`,
      filename: "a.mp3",
      contentType: "audio/mpeg",
      sizeBytes: 10,
    });
    return await insertSong(db.sql, { ownerId: owner.id, uploadId: id, title, artist: "Band", status });
  };
  const newJob = (songId: string, type: "fingerprint" | "generate_map") =>
    insertJob(db.sql, { userId: owner.id, songId, type, priority: 5, maxAttempts: 3, traceId: "t" });

  try {
    await t.step("/ creates a guest session once and renders the Uploader island", async () => {
      const res = await get("/", false);
      assert.equal(res.status, 200);
      const setCookie = res.headers.get("set-cookie") ?? "";
      assert.match(setCookie, /bs_session=[^;]+;.*HttpOnly/i);
      const html = await res.text();
      assert.match(html, /<bs-island data-island="SearchBox" data-index="0">/);
      assert.match(html, /<bs-island data-island="Uploader" data-index="1">/);
      assert.match(
        html,
        /<bs-island data-island="ServiceWorker" data-index="2">/,
        "pages with islands register the worker",
      );
      assert.match(html, /data-testid="upload-file"/);
      assert.match(html, /<label[^>]*>\s*Title/);
      assert.match(html, /<script type="module" src="\/static\/build\/runtime-[A-Z0-9]{8}\.js"><\/script>/);
      assert.match(html, /5242880/, "the upload limit reaches the island");
      const [{ n }] = await db.sql`select count(*)::int as n from users where display_name = 'Guest drummer'`;
      assert.equal(n, 1);
      const again = await get("/");
      assert.equal(again.headers.get("set-cookie"), null, "an existing session is kept");
    });

    await t.step("/songs/:id while fingerprinting: status, refresh, no island and so no script", async () => {
      const song = await newSong("fingerprinting", "Slow <Song>");
      const job = await newJob(song.id, "fingerprint");
      await updateJob(db.sql, job.id, { status: "running", stage: "decode" });
      const html = await (await get(`/songs/${song.id}`)).text();
      assert.match(html, /<h1>Slow &lt;Song> — Band<\/h1>/);
      assert.match(html, /data-testid="song-status" data-status="fingerprinting"/);
      assert.match(html, /data-testid="fingerprint-status" data-status="running"/);
      assert.match(html, /http-equiv="refresh"/);
      assert.doesNotMatch(html, /<script/, "no island, so neither the runtime nor the service worker registration");
      assert.doesNotMatch(html, /generate-map/);
    });

    let readySongId = "";
    await t.step("/songs/:id when ready without a map: the GenerateButton island", async () => {
      const song = await newSong("ready");
      readySongId = song.id;
      const html = await (await get(`/songs/${song.id}`)).text();
      assert.match(
        html,
        /<bs-island data-island="GenerateButton"[^>]*><div class="stack"><button[^>]*data-testid="generate-map"/,
      );
      assert.doesNotMatch(html, /open-map/);
    });

    await t.step("/songs/:id/map: player, summary, lanes, JSON and downloads; the song page links to it", async () => {
      const job = await newJob(readySongId, "generate_map");
      await updateJob(db.sql, job.id, { status: "succeeded", stage: "package", progress: 1 });
      const key = `maps/unverified/${readySongId}/${job.id}.bsm`;
      await s3Client.send(
        new PutObjectCommand({
          Bucket: "beatsight",
          Key: key,
          Body: JSON.stringify(BSM),
          ContentType: "application/json",
        }),
      );
      const map = await findOrCreateUnverifiedMap(db.sql, readySongId);
      await insertJobVersion(db.sql, {
        mapId: map.id,
        jobId: job.id,
        s3Key: key,
        noteCount: 3,
        bpm: 128,
        durationSec: 12.5,
        modelVersion: "m1",
      });

      const songHtml = await (await get(`/songs/${readySongId}`)).text();
      assert.match(songHtml, new RegExp(`data-testid="open-map" href="/songs/${readySongId}/map"`));
      assert.doesNotMatch(songHtml, /generate-map/);

      const html = await (await get(`/songs/${readySongId}/map`)).text();
      assert.match(html, /data-testid="map-bpm">128\.0 bpm/);
      assert.match(html, /data-testid="map-time-signature">3\/4/);
      assert.match(html, /data-testid="lane-kick"><th scope="row">kick<\/th><td>2<\/td>/);
      assert.match(html, /data-testid="lane-snare"><th scope="row">snare<\/th><td>1<\/td>/);
      // The page no longer inlines the .bsm JSON (a 4-minute map is ~200 kB): the download link serves it.
      assert.doesNotMatch(html, /data-testid="map-json"/);
      assert.match(html, new RegExp(`href="/api/v1/songs/${readySongId}/map.bsm" download data-testid="download-bsm"`));
      assert.match(
        html,
        new RegExp(`href="/api/v1/songs/${readySongId}/map.mid" download data-testid="download-midi"`),
      );
      // The Player island renders the staff on the server and ships its script; downloads are the no-JS fallback.
      assert.match(html, /<bs-island data-island="Player"[^>]*><section class="player card" data-testid="player"/);
      assert.match(html, /data-testid="notation" data-bar="1"/);
      assert.match(html, /data-testid="player-play" disabled/);

      await s3Client.send(
        new PutObjectCommand({ Bucket: "beatsight", Key: key, Body: "{broken", ContentType: "application/json" }),
      );
      deps.maps = new StoredMapCache(); // versions are immutable, so only a fresh process would read the damage
      const broken = await get(`/songs/${readySongId}/map`);
      assert.match(await broken.text(), /data-testid="error"[^>]*>The stored map file is missing or damaged/);
    });

    await t.step("/jobs/:id: JobProgress with stage rows and status", async () => {
      const song = await newSong("ready");
      const job = await newJob(song.id, "generate_map");
      await updateJob(db.sql, job.id, {
        status: "failed",
        stage: "beats",
        progress: 0.5,
        error: "Beat tracker gave up",
        stageOutputs: { decode: "k1", transcribe: "k2" },
      });
      const html = await (await get(`/jobs/${job.id}`)).text();
      assert.match(html, /<bs-island data-island="JobProgress"/);
      assert.match(html, /data-testid="job-status" data-status="failed"/);
      assert.match(html, /data-testid="stage-decode" data-state="done"/);
      assert.match(html, /data-testid="stage-transcribe" data-state="done"/);
      assert.match(html, /data-testid="stage-beats" data-state="failed"/);
      assert.match(html, /data-testid="stage-package" data-state="pending"/);
      assert.match(html, /aria-valuenow="50"/);
      assert.match(html, /Beat tracker gave up/);
      assert.match(html, /data-testid="retry"/);
    });

    await t.step("other people's things, bad ids and visitors without a session get a 404 page", async () => {
      const song = await newSong("ready");
      const stranger = await createGuestUser(db.sql, "Stranger");
      const strangerCookie = `bs_session=${await signSession({
        id: stranger.id,
        displayName: "S",
        role: "user",
        isGuest: true,
      }, SECRET)}`;
      const other = await app.request(`/songs/${song.id}`, { headers: { cookie: strangerCookie } });
      assert.equal(other.status, 404);
      assert.match(await other.text(), /data-testid="error"[^>]*>The song was not found\./);
      assert.equal((await get("/songs/not-a-uuid")).status, 404);
      assert.equal((await get(`/jobs/${crypto.randomUUID()}`)).status, 404);
      assert.equal((await get(`/songs/${song.id}`, false)).status, 404);
      assert.equal((await get(`/songs/${song.id}/map`)).status, 404, "no map yet");
    });

    await t.step("/static serves css with a short cache and hashed builds as immutable", async () => {
      const css = await get("/static/app.css");
      assert.equal(css.status, 200);
      assert.match(css.headers.get("content-type") ?? "", /text\/css/);
      assert.equal(css.headers.get("cache-control"), "public, max-age=300");
      const runtime = /src="(\/static\/build\/runtime-[A-Z0-9]{8}\.js)"/.exec(await (await get("/")).text())?.[1];
      assert.ok(runtime);
      const js = await get(runtime);
      assert.equal(js.status, 200);
      assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.equal((await get("/static/nope.css")).status, 404);
    });
  } finally {
    await db.drop();
    await s3.close();
    await Deno.remove(s3dir, { recursive: true });
  }
});

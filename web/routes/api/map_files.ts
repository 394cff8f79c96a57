/**
 * Files of a song for the player and for download, mounted at /api/v1/songs: `GET /:id/map.bsm` (the current map
 * as an attachment), `GET /:id/map.mid` (a General MIDI drum file of it) and `GET /:id/audio` (302 to a presigned
 * S3 GET of the uploaded audio). Readable songs only, as for the map page: the owner always, anyone once the song
 * has a map; a session is optional so catalogue maps play for visitors too.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import type { BsmMap } from "../../../inference/src/contracts/bsm.ts";
import { findReadableSong, type Song } from "../../db/songs.ts";
import { findUserUpload } from "../../db/uploads.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { HttpError, NotFoundError } from "../../lib/errors.ts";
import { bsmToMidi } from "../../lib/midi.ts";
import { presignGet } from "../../lib/storage.ts";
import { loadCurrentMap } from "../../lib/stored_maps.ts";
import { validate } from "../../lib/validate.ts";

/** Lifetime of the presigned audio URL [seconds]: long enough for a practice session of pausing and seeking. */
export const AUDIO_URL_EXPIRES_SEC = 3600;

const idParam = z.object({ id: z.string().uuid() });

/** The song `id` if the visitor (or an anonymous caller) may read it, else a 404. */
async function readableSong(c: Context<AppEnv>, id: string): Promise<Song> {
  const song = await findReadableSong(c.var.deps.sql, c.var.user?.id ?? null, id);
  if (!song) throw new NotFoundError("song");
  return song;
}

/** The song's current map document, validated; 404 when there is none or the stored file is unusable. */
async function currentMap(c: Context<AppEnv>, song: Song): Promise<BsmMap> {
  const current = await loadCurrentMap(c.var.deps, song);
  if (!current) throw new HttpError(404, "This song has no drum map yet.", { hint: "Generate one from its page." });
  if (!current.document) {
    throw new HttpError(404, "The stored map file is missing or damaged.", { hint: "Try generating it again." });
  }
  return current.document;
}

/** A file name for the song's downloads, e.g. `Back in Black - ACDC`; safe on every OS. */
export function downloadBaseName(song: Pick<Song, "title" | "artist">): string {
  const parts = [song.title?.trim() || "drum-map", song.artist?.trim()].filter(Boolean);
  // deno-lint-ignore no-control-regex -- control characters are exactly what a file name must not carry.
  const name = parts.join(" - ").replace(/[\\/:*?"<>|\x00-\x1f]+/g, "_").slice(0, 120).trim();
  return name || "drum-map";
}

/** `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Routes mounted at /api/v1/songs beside the signed-in song routes. */
export const mapFileRoutes = new Hono<AppEnv>()
  .get("/:id/map.bsm", validate("param", idParam), async (c) => {
    const song = await readableSong(c, c.req.valid("param").id);
    const map = await currentMap(c, song);
    return c.body(JSON.stringify(map, null, 2) + "\n", 200, {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": attachment(`${downloadBaseName(song)}.bsm`),
      "cache-control": "private, no-cache",
    });
  })
  .get("/:id/map.mid", validate("param", idParam), async (c) => {
    const song = await readableSong(c, c.req.valid("param").id);
    const map = await currentMap(c, song);
    const bytes = bsmToMidi(map, { trackName: downloadBaseName(song) });
    return c.body(bytes.slice().buffer, 200, {
      "content-type": "audio/midi",
      "content-disposition": attachment(`${downloadBaseName(song)}.mid`),
      "cache-control": "private, no-cache",
    });
  })
  .get("/:id/audio", validate("param", idParam), async (c) => {
    const song = await readableSong(c, c.req.valid("param").id);
    const { sql, s3, config } = c.var.deps;
    const upload = song.uploadId ? await findUserUpload(sql, song.ownerId, song.uploadId) : null;
    if (!upload || upload.status !== "uploaded") {
      throw new HttpError(404, "This song's audio is not available.", {
        hint: "Only songs uploaded and checked on BeatSight can be played here.",
      });
    }
    const url = await presignGet(s3, config.s3Bucket, upload.s3Key, AUDIO_URL_EXPIRES_SEC);
    // The signed URL expires, so neither the browser nor a proxy may keep the redirect.
    c.header("cache-control", "private, no-store");
    return c.redirect(url, 302);
  });

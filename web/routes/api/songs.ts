/** Songs: register an upload, read a song with its latest map, and fetch the current .bsm. */
import { Hono } from "hono";
import { z } from "zod";
import { findSongCurrentMap } from "../../db/maps.ts";
import { findReadableSong } from "../../db/songs.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { HttpError, NotFoundError } from "../../lib/errors.ts";
import { registerSong } from "../../lib/intake.ts";
import { jobRateLimit } from "../../middleware/limits.ts";
import { loadCurrentMap } from "../../lib/stored_maps.ts";
import { validate } from "../../lib/validate.ts";
import { jobView, mapView, songView, versionView } from "../../lib/views.ts";

const registerSchema = z.object({
  uploadId: z.string().uuid(),
  title: z.string().trim().max(200).optional(),
  artist: z.string().trim().max(200).optional(),
});
const idParam = z.object({ id: z.string().uuid() });

/** Routes under /api/v1/songs (signed-in users; others' songs are 404 until they have a map and join the catalogue). */
export const songRoutes = new Hono<AppEnv>()
  .post("/", jobRateLimit(), validate("json", registerSchema), async (c) => {
    const { song, job } = await registerSong(c.var.deps, currentUser(c).id, c.req.valid("json"), c.var.traceId);
    return c.json({ song: songView(song), job: jobView(job) }, 201);
  })
  .get("/:id", validate("param", idParam), async (c) => {
    const { sql } = c.var.deps;
    const song = await findReadableSong(sql, currentUser(c).id, c.req.valid("param").id);
    if (!song) throw new NotFoundError("song");
    const current = await findSongCurrentMap(sql, song.id, song.canonicalMapId);
    const map = current ? { ...mapView(current.map), version: versionView(current.version) } : null;
    return c.json({ song: songView(song), map });
  })
  .get("/:id/map", validate("param", idParam), async (c) => {
    const song = await findReadableSong(c.var.deps.sql, currentUser(c).id, c.req.valid("param").id);
    if (!song) throw new NotFoundError("song");
    const current = await loadCurrentMap(c.var.deps, song);
    if (!current) {
      throw new HttpError(404, "This song has no map yet.", {
        hint: "Start a generate_map job with POST /api/v1/jobs.",
      });
    }
    if (!current.document) throw new HttpError(404, "The map file is missing from storage or damaged.");
    return c.json(current.document);
  });

/** `/songs/:id` and `/songs/:id/map`: a song (owner or catalogue) and its drum map. */
import { Hono } from "hono";
import { MapPage } from "../../components/MapPage.tsx";
import { SongPage } from "../../components/Pages.tsx";
import { type Job, listUserJobs } from "../../db/jobs.ts";
import { findSongCurrentMap } from "../../db/maps.ts";
import { isMapSaved } from "../../db/saved_maps.ts";
import { findReadableSong } from "../../db/songs.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { microCache } from "../../middleware/micro_cache.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { getQuota } from "../../lib/quota.ts";
import { loadCurrentMap } from "../../lib/stored_maps.ts";
import { html, parseId } from "./render.tsx";

const NOT_YOURS = "Open it from the browser you uploaded it with.";

type Sql = AppEnv["Variables"]["deps"]["sql"];
const latestJob = async (sql: Sql, userId: string, songId: string, type: Job["type"]) =>
  (await listUserJobs(sql, userId, { limit: 1, type, songId }))[0] ?? null;

/** The song routes. */
export const songPageRoutes = new Hono<AppEnv>()
  .get("/songs/:id", microCache(), async (c) => {
    const user = c.var.user;
    const { sql, config } = c.var.deps;
    const song = await findReadableSong(sql, user?.id ?? null, parseId(c.req.param("id"), "song"));
    if (!song) throw new NotFoundError("song", { hint: NOT_YOURS });
    const owner = user?.id === song.ownerId ? user : null;
    const [fingerprintJob, mapJob, current, quota] = await Promise.all([
      owner ? latestJob(sql, owner.id, song.id, "fingerprint") : null,
      owner ? latestJob(sql, owner.id, song.id, "generate_map") : null,
      findSongCurrentMap(sql, song.id, song.canonicalMapId),
      owner ? getQuota(sql, config, owner.id) : null,
    ]);
    const map = current ? { id: current.map.id, status: current.map.status, version: current.version } : null;
    const saved = Boolean(user && map && await isMapSaved(sql, user.id, map.id));
    return await html(c, <SongPage {...{ song, fingerprintJob, mapJob, map, saved, quota }} />);
  })
  .get("/songs/:id/map", microCache(), async (c) => {
    const { sql } = c.var.deps;
    const user = c.var.user;
    const song = await findReadableSong(sql, user?.id ?? null, parseId(c.req.param("id"), "song"));
    if (!song) throw new NotFoundError("song", { hint: NOT_YOURS });
    const current = await loadCurrentMap(c.var.deps, song);
    if (!current) throw new NotFoundError("drum map", { hint: "Generate one from the song's page." });
    const problem = current.document
      ? undefined
      : "The stored map file is missing or damaged; try generating it again.";
    const status = current.map.status === "verified" ? "verified" : "unverified";
    const save = user
      ? { mapId: current.map.id, songId: song.id, saved: await isMapSaved(sql, user.id, current.map.id) }
      : undefined;
    return await html(
      c,
      <MapPage {...{ song, version: current.version, map: current.document, problem, status, save }} />,
    );
  });

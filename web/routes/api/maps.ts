/** `GET /maps/:id`: a map with its versions. Verified maps are public; others only for the song's owner. */
import { Hono } from "hono";
import { z } from "zod";
import { findMap, listVersions } from "../../db/maps.ts";
import { findReadableSong } from "../../db/songs.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { validate } from "../../lib/validate.ts";
import { mapView, versionView } from "../../lib/views.ts";

/** Routes under /api/v1/maps. */
export const mapRoutes = new Hono<AppEnv>()
  .get("/:id", validate("param", z.object({ id: z.string().uuid() })), async (c) => {
    const { sql } = c.var.deps;
    const map = await findMap(sql, c.req.valid("param").id);
    if (!map) throw new NotFoundError("map");
    if (!(await findReadableSong(sql, currentUser(c).id, map.songId))) {
      throw new NotFoundError("map");
    }
    const versions = await listVersions(sql, map.id);
    return c.json({ map: mapView(map), versions: versions.map(versionView) });
  });

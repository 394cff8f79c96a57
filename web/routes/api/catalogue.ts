/**
 * `GET /api/v1/songs?q=&verified=&cursor=&limit=`: the public catalogue (songs that have a map), searchable by
 * title/artist, newest first, keyset pages. Open to anonymous visitors; mounted before the signed-in routes.
 */
import { Hono } from "hono";
import { z } from "zod";
import { type CatalogueEntry, searchCatalogue } from "../../db/catalogue.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { decodeCursor, encodeCursor } from "../../lib/cursor.ts";
import { validate } from "../../lib/validate.ts";

/** Default and largest page size of the catalogue. */
export const CATALOGUE_PAGE_SIZE = 20;
export const CATALOGUE_MAX_PAGE_SIZE = 50;

/** The catalogue query string, shared with the home page. */
export const catalogueQuerySchema = z.object({
  q: z.string().trim().max(100, "must be at most 100 characters").optional().default(""),
  verified: z.enum(["1", "true", "0", "false", ""]).optional().transform((v) => v === "1" || v === "true"),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(CATALOGUE_MAX_PAGE_SIZE).default(CATALOGUE_PAGE_SIZE),
});

/** A catalogue entry as the API (and the SearchBox island) shows it. */
export function catalogueItemView({ song, verified }: CatalogueEntry) {
  return {
    id: song.id,
    title: song.title,
    artist: song.artist,
    bpm: song.bpm,
    durationSec: song.durationSec,
    verified,
    url: `/songs/${song.id}`,
  };
}

/** A catalogue item in the API's JSON. */
export type CatalogueItem = ReturnType<typeof catalogueItemView>;

/** One page of results and the cursor of the next (null on the last page). */
export async function cataloguePage(
  c: { var: AppEnv["Variables"] },
  q: z.infer<typeof catalogueQuerySchema>,
): Promise<{ items: CatalogueItem[]; nextCursor: string | null }> {
  const rows = await searchCatalogue(c.var.deps.sql, {
    q: q.q,
    verified: q.verified,
    limit: q.limit,
    afterId: q.cursor ? decodeCursor(q.cursor) : null,
  });
  const items = rows.slice(0, q.limit);
  const nextCursor = rows.length > q.limit ? encodeCursor(items[items.length - 1].song.id) : null;
  return { items: items.map(catalogueItemView), nextCursor };
}

/** Routes under /api/v1/songs that need no session (GET / only). */
export const catalogueRoutes = new Hono<AppEnv>()
  .get("/", validate("query", catalogueQuerySchema), async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await cataloguePage(c, c.req.valid("query")));
  });

/**
 * The signed-in user's library under /api/v1/me: saved maps (`GET /saved-maps`, `POST|DELETE /saved-maps/:mapId`)
 * and notifications (`GET /notifications`, `POST /notifications/read`).
 */
import { Hono } from "hono";
import { z } from "zod";
import { countUnread, listNotifications, markRead } from "../../db/notifications.ts";
import { listSavedMaps, unsaveMap } from "../../db/saved_maps.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { saveReadableMap } from "../../lib/library.ts";
import { validate } from "../../lib/validate.ts";

/** Most saved maps / notifications one list returns. */
export const LIBRARY_LIST_LIMIT = 100;

const mapParam = z.object({ mapId: z.string().uuid() });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(LIBRARY_LIST_LIMIT).default(50) });
const readBody = z.object({ ids: z.array(z.string().uuid()).max(LIBRARY_LIST_LIMIT).optional() });

/** Routes under /api/v1/me (signed-in users). */
export const libraryRoutes = new Hono<AppEnv>()
  .get("/saved-maps", validate("query", listQuery), async (c) => {
    const items = await listSavedMaps(c.var.deps.sql, currentUser(c).id, c.req.valid("query").limit);
    return c.json({ items });
  })
  .post("/saved-maps/:mapId", validate("param", mapParam), async (c) => {
    const { mapId } = c.req.valid("param");
    await saveReadableMap(c.var.deps.sql, currentUser(c).id, mapId);
    return c.json({ mapId, saved: true });
  })
  .delete("/saved-maps/:mapId", validate("param", mapParam), async (c) => {
    const { mapId } = c.req.valid("param");
    await unsaveMap(c.var.deps.sql, currentUser(c).id, mapId);
    return c.json({ mapId, saved: false });
  })
  .get("/notifications", validate("query", listQuery), async (c) => {
    const { sql } = c.var.deps;
    const userId = currentUser(c).id;
    const [items, unread] = await Promise.all([
      listNotifications(sql, userId, c.req.valid("query").limit),
      countUnread(sql, userId),
    ]);
    return c.json({ items, unread });
  })
  .post("/notifications/read", validate("json", readBody), async (c) => {
    const marked = await markRead(c.var.deps.sql, currentUser(c).id, c.req.valid("json").ids);
    return c.json({ marked });
  });

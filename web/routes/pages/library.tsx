/** `/library` (saved maps, recent jobs, notifications), `/profile` and `/offline`. */
import { Hono } from "hono";
import { LibraryPage } from "../../components/LibraryPage.tsx";
import { OfflinePage } from "../../components/OfflinePage.tsx";
import { ProfilePage } from "../../components/ProfilePage.tsx";
import { listNotifications } from "../../db/notifications.ts";
import { listSavedMaps } from "../../db/saved_maps.ts";
import { findUser } from "../../db/users.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { recentJobs } from "../../lib/library.ts";
import { getQuota } from "../../lib/quota.ts";
import { ensureGuest, html } from "./render.tsx";

/** Items per library list. */
export const LIBRARY_PAGE_ITEMS = 20;

/** The library, profile and offline routes. */
export const libraryPageRoutes = new Hono<AppEnv>()
  .get("/library", async (c) => {
    const user = await ensureGuest(c);
    const { sql } = c.var.deps;
    const [saved, jobs, notifications] = await Promise.all([
      listSavedMaps(sql, user.id, LIBRARY_PAGE_ITEMS),
      recentJobs(sql, user.id, LIBRARY_PAGE_ITEMS),
      listNotifications(sql, user.id, LIBRARY_PAGE_ITEMS),
    ]);
    return await html(c, <LibraryPage saved={saved} jobs={jobs} notifications={notifications} />);
  })
  .get("/profile", async (c) => {
    // A signed-in account's profile is its account page (web/routes/auth.tsx); guests get this one.
    if (c.var.user && !c.var.user.isGuest) return c.redirect("/account", 303);
    const user = await ensureGuest(c);
    const { sql, config } = c.var.deps;
    const [row, quota] = await Promise.all([findUser(sql, user.id), getQuota(sql, config, user.id)]);
    return await html(c, <ProfilePage user={user} displayName={row?.displayName ?? user.displayName} quota={quota} />);
  })
  .get("/offline", async (c) => await html(c, <OfflinePage />));

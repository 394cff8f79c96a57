/**
 * The /api/v1 sub-app: callbacks, sessions and a readable song's files (map.bsm, map.mid, audio) are open; everything
 * else needs a signed-in user.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/app_env.ts";
import { requireUser } from "../../lib/auth.ts";
import { jsonBodyLimit } from "../../middleware/limits.ts";
import { accountRoutes } from "./account.ts";
import { adminRoutes, reviewRoutes } from "./admin.ts";
import { callbackRoutes } from "./callbacks.ts";
import { catalogueRoutes } from "./catalogue.ts";
import { jobEventRoutes } from "./job_events.ts";
import { jobRoutes } from "./jobs.ts";
import { libraryRoutes } from "./library.ts";
import { mapFileRoutes } from "./map_files.ts";
import { mapRoutes } from "./maps.ts";
import { quotaRoutes } from "./quota.ts";
import { sessionRoutes } from "./sessions.ts";
import { songRoutes } from "./songs.ts";
import { uploadRoutes } from "./uploads.ts";

const users = new Hono<AppEnv>()
  .use("*", requireUser())
  .route("/uploads", uploadRoutes)
  .route("/songs", songRoutes)
  .route("/jobs", jobRoutes)
  .route("/jobs", jobEventRoutes)
  .route("/maps", mapRoutes)
  .route("/me", quotaRoutes)
  .route("/me", libraryRoutes);

/** Mounted at /api/v1 by createApp. */
export const apiV1 = new Hono<AppEnv>()
  .use("*", jsonBodyLimit())
  .route("/callbacks", callbackRoutes)
  .route("/sessions", sessionRoutes)
  .route("/account", accountRoutes)
  .route("/admin", adminRoutes)
  .route("/review", reviewRoutes)
  // The public catalogue (GET /songs) answers before the signed-in routes' requireUser runs.
  .route("/songs", catalogueRoutes)
  .route("/songs", mapFileRoutes)
  .route("/", users);

/**
 * The HTML pages, the PWA files and /static, as one Hono sub-app: `app.route("/", pages)` in web/app.ts. One file
 * per page under this folder; handlers load the data (scoped to the visitor's session) and render components.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../lib/app_env.ts";
import { authenticate } from "../../lib/auth.ts";
import { homeRoutes } from "./home.tsx";
import { jobPageRoutes } from "./job.tsx";
import { libraryPageRoutes } from "./library.tsx";
import { pwaRoutes } from "./pwa.tsx";
import { pageErrors } from "./render.tsx";
import { songPageRoutes } from "./song.tsx";
import { staticFiles } from "./static.ts";

export { GUEST_NAME, toJobView } from "./render.tsx";
export { IMMUTABLE_CACHE, SHORT_CACHE, STATIC_DIR } from "./static.ts";

/** Paths whose pages read the session (web/app.ts authenticates too; tests mount the pages alone). */
const SESSION_PATHS = ["/", "/songs/*", "/jobs/*", "/library", "/profile"];

/** The pages sub-app. */
export const pages = new Hono<AppEnv>();

pages.route("/", pwaRoutes);
pages.get("/static/*", staticFiles);
for (const path of SESSION_PATHS) pages.use(path, authenticate());
pages.route("/", homeRoutes);
pages.route("/", songPageRoutes);
pages.route("/", jobPageRoutes);
pages.route("/", libraryPageRoutes);
pages.onError(pageErrors);

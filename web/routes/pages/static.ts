/** `/static/*`: css, icons and the hashed island builds (web/build.ts), with cache lifetimes to match. */
import type { MiddlewareHandler } from "hono";
import { serveStatic } from "hono/deno";
import { join } from "node:path";
import { BUILD_DIR, isHashedAsset } from "../../build.ts";
import type { AppEnv } from "../../lib/app_env.ts";

/** Folder served at `/static` (css, icons, and `build/` from web/build.ts). */
export const STATIC_DIR = join(BUILD_DIR, "..");
/** Cache policy of content-hashed files: they never change under one name. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
/** Cache policy of other static files (app.css, icons), which keep their names across deploys. */
export const SHORT_CACHE = "public, max-age=300";

/** Long-cache hashed build files, short-cache the rest. */
export const staticFiles: MiddlewareHandler<AppEnv> = serveStatic({
  root: STATIC_DIR,
  rewriteRequestPath: (path) => path.replace(/^\/static/, ""),
  onFound: (path, c) => {
    c.header("Cache-Control", isHashedAsset(path) ? IMMUTABLE_CACHE : SHORT_CACHE);
  },
});

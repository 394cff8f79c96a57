/**
 * The PWA files: `/manifest.webmanifest`, `/static/icons/icon-{192,512}[-maskable].png` and `/sw.js`. The service
 * worker is web/static/sw.js with its precache list (the stylesheet, icons, offline page and every hashed build
 * file) and a version derived from that list filled in, so a new build installs a new worker.
 */
import { Hono } from "hono";
import { join } from "node:path";
import { BUILD_DIR, BUILD_URL_PREFIX, islandAssets } from "../../build.ts";
import { MANIFEST_URL, STYLESHEET_URL, THEME_COLOR } from "../../components/Layout.tsx";
import type { AppEnv } from "../../lib/app_env.ts";
import { ICON_SIZES, renderIconPng } from "./icons.ts";
import { SHORT_CACHE, STATIC_DIR } from "./static.ts";

/** The offline fallback page the worker shows for pages it has no copy of. */
export const OFFLINE_URL = "/offline";

/** The web app manifest (Chromium's installability: name, icons 192/512, start_url, standalone display). */
export const WEB_APP_MANIFEST = {
  name: "BeatSight — drum charts for any song",
  short_name: "BeatSight",
  description: "Upload a song, get an AI-drafted drum chart, play along and fix it.",
  id: "/",
  start_url: "/?source=pwa",
  scope: "/",
  display: "standalone",
  orientation: "any",
  background_color: "#f9fafb",
  theme_color: THEME_COLOR,
  icons: [
    { src: "/static/favicon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
    ...ICON_SIZES.map((s) => ({ src: `/static/icons/icon-${s}.png`, sizes: `${s}x${s}`, type: "image/png" })),
    ...ICON_SIZES.map((s) => ({
      src: `/static/icons/icon-${s}-maskable.png`,
      sizes: `${s}x${s}`,
      type: "image/png",
      purpose: "maskable",
    })),
  ],
};

const ICON_PATH = /^icon-(192|512)(-maskable)?\.png$/;
const icons = new Map<string, Uint8Array>();

let workerSource: Promise<string> | null = null;

/** The worker script with the precache list of the current build and its version. */
async function serviceWorker(): Promise<string> {
  const assets = await islandAssets();
  const built: string[] = [];
  for await (const entry of Deno.readDir(BUILD_DIR)) {
    if (entry.isFile && entry.name.endsWith(".js")) built.push(`${BUILD_URL_PREFIX}/${entry.name}`);
  }
  const iconUrls = WEB_APP_MANIFEST.icons.map((i) => i.src);
  const precache = [OFFLINE_URL, STYLESHEET_URL, assets.runtime, ...built.sort(), ...iconUrls];
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(precache.join("\n")));
  const version = [...new Uint8Array(digest).slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const template = await Deno.readTextFile(join(STATIC_DIR, "sw.js"));
  return template.replace('"__VERSION__"', JSON.stringify(version)).replace(
    "[/* __PRECACHE__ */]",
    JSON.stringify([...new Set(precache)]),
  );
}

/** The PWA routes. */
export const pwaRoutes = new Hono<AppEnv>()
  .get(MANIFEST_URL, (c) => {
    c.header("Cache-Control", SHORT_CACHE);
    return c.body(JSON.stringify(WEB_APP_MANIFEST), 200, { "content-type": "application/manifest+json" });
  })
  .get("/static/icons/:file", (c) => {
    const m = ICON_PATH.exec(c.req.param("file"));
    if (!m) return c.notFound();
    const file = m[0];
    if (!icons.has(file)) icons.set(file, renderIconPng(Number(m[1]), Boolean(m[2])));
    c.header("Cache-Control", SHORT_CACHE);
    return c.body(icons.get(file)!.slice().buffer, 200, { "content-type": "image/png" });
  })
  .get("/sw.js", async (c) => {
    workerSource ??= serviceWorker().catch((error) => {
      workerSource = null;
      throw error;
    });
    // Browsers re-check the worker at most daily anyway; no-cache makes a deploy reach them on the next visit.
    c.header("Cache-Control", "no-cache");
    return c.body(await workerSource, 200, { "content-type": "text/javascript; charset=utf-8" });
  });

/*
 * BeatSight service worker (served at /sw.js by web/routes/pages/pwa.tsx, which fills in VERSION and PRECACHE).
 * - Shell (css, icons, hashed island builds, the offline page): precached, cache-first.
 * - Pages: network-first; offline, a saved map page (Cache "bs-saved-maps", filled by the SaveMapButton island)
 *   or else the offline page.
 * - Saved maps' .bsm: network-first, falling back to the saved copy. Other API calls are never cached.
 */
const VERSION = "__VERSION__";
const PRECACHE = [/* __PRECACHE__ */];
const SHELL_CACHE = "bs-shell-" + VERSION;
const SAVED_MAPS_CACHE = "bs-saved-maps";
const OFFLINE_URL = "/offline";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("bs-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k)))
      )
      .then(() => self.clients.claim()),
  );
});

async function fromSaved(request) {
  const saved = await caches.open(SAVED_MAPS_CACHE);
  return await saved.match(request, { ignoreSearch: true });
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const saved = await fromSaved(request);
    if (saved) return saved;
    const offline = await caches.match(OFFLINE_URL);
    if (offline) return offline;
    throw error;
  }
}

async function savedMapFile(request) {
  try {
    const response = await fetch(request);
    // Refresh the copy of a saved map only; maps that are not saved are never stored.
    const saved = await caches.open(SAVED_MAPS_CACHE);
    if (response.ok && (await saved.match(request, { ignoreSearch: true }))) await saved.put(request, response.clone());
    return response;
  } catch (error) {
    const saved = await fromSaved(request);
    if (saved) return saved;
    throw error;
  }
}

async function shell(request) {
  const cached = await caches.match(request);
  return cached ?? await fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") return event.respondWith(page(request));
  if (url.pathname.startsWith("/api/")) {
    if (url.pathname.endsWith("/map.bsm")) event.respondWith(savedMapFile(request));
    return;
  }
  if (url.pathname.startsWith("/static/")) event.respondWith(shell(request));
});

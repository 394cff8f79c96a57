/**
 * Registers the service worker (`/sw.js`, scope `/`). Rendered by the Layout only on pages that already load
 * islands, so a page without islands still ships no JavaScript; renders nothing itself.
 */
import { useEffect } from "preact/hooks";

/** Where the worker is served (web/routes/pages/pwa.ts); at the root so its scope covers every page. */
export const SERVICE_WORKER_URL = "/sw.js";

/** Registers the worker once the page has hydrated; browsers without support simply skip it. */
export default function ServiceWorker() {
  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: "/" })
      .then(() => (document.documentElement.dataset.swRegistered = "1"))
      .catch((error) => console.warn("service worker registration failed", error));
  }, []);
  return null;
}

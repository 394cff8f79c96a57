/**
 * Save / unsave a map in the visitor's library (`POST|DELETE /api/v1/me/saved-maps/:mapId`). Saving also puts the
 * map page and its .bsm into the offline cache the service worker reads (static/sw.js), so it opens offline.
 */
import { useSignal } from "@preact/signals";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { api } from "./api.ts";
import { useApiAction, useHydrated } from "./hooks.ts";

/** Cache Storage name of saved maps; the service worker reads it too (keep in step with static/sw.js). */
export const SAVED_MAPS_CACHE = "bs-saved-maps";

/** Props of {@link SaveMapButton}. */
export interface SaveMapButtonProps {
  mapId: string;
  songId: string;
  saved: boolean;
}

/** The URLs that make a saved map readable offline. */
export function offlineUrls(songId: string): string[] {
  const song = `/songs/${encodeURIComponent(songId)}`;
  return [`${song}/map`, `/api/v1${song}/map.bsm`];
}

async function updateOfflineCache(songId: string, keep: boolean): Promise<void> {
  if (!("caches" in globalThis)) return;
  const cache = await caches.open(SAVED_MAPS_CACHE);
  for (const url of offlineUrls(songId)) {
    if (!keep) await cache.delete(url);
    else {
      const res = await fetch(url, { credentials: "same-origin" });
      if (res.ok) await cache.put(url, res);
    }
  }
}

/** The save toggle (`save-map`, `aria-pressed` shows the state). */
export default function SaveMapButton({ mapId, songId, saved }: SaveMapButtonProps) {
  useHydrated();
  const isSaved = useSignal(saved);
  const { busy, error, run } = useApiAction();
  const offline = useSignal(false);

  const toggle = () =>
    run(async () => {
      const next = !isSaved.value;
      await api(`/api/v1/me/saved-maps/${encodeURIComponent(mapId)}`, { method: next ? "POST" : "DELETE", body: {} });
      isSaved.value = next;
      await updateOfflineCache(songId, next);
      offline.value = next;
    });

  return (
    <div class="stack">
      <button
        type="button"
        class="button"
        data-testid="save-map"
        data-offline={offline.value ? "1" : "0"}
        aria-pressed={isSaved.value}
        disabled={busy.value}
        onClick={toggle}
      >
        {isSaved.value ? "Saved to your library" : "Save to library"}
      </button>
      <ErrorBox message={error.value} />
    </div>
  );
}

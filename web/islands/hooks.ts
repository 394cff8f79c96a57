/** Hooks shared by the islands. */
import { useEffect } from "preact/hooks";

/**
 * Marks the page as interactive once the island has hydrated (effects run only in the browser, after
 * hydration), so browser tests can wait for `html[data-islands-ready="1"]`.
 */
export function useHydrated(): void {
  useEffect(() => {
    document.documentElement.dataset.islandsReady = "1";
  }, []);
}

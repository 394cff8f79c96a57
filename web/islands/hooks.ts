/** Hooks shared by the islands. */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { errorText } from "./api.ts";

/**
 * Marks the page as interactive once the island has hydrated (effects run only in the browser, after
 * hydration), so browser tests can wait for `html[data-islands-ready="1"]`.
 */
export function useHydrated(): void {
  useEffect(() => {
    document.documentElement.dataset.islandsReady = "1";
  }, []);
}

/** What {@link useApiAction} returns: state for the UI and `run` to perform an action. */
export interface ApiAction {
  /** True while an action runs (buttons disable themselves). */
  busy: Signal<boolean>;
  /** The last action's error, readable for a person (null once an action starts or succeeds). */
  error: Signal<string | null>;
  /** Runs `action`, showing its error and resetting `busy` however it ends; resolves true when it succeeded. */
  run(action: () => Promise<void>): Promise<boolean>;
}

/** The busy/error bookkeeping of an island's API calls, in one place (saaskit:islands/ItemsList.tsx pattern). */
export function useApiAction(): ApiAction {
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    busy.value = true;
    error.value = null;
    try {
      await action();
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    } finally {
      busy.value = false;
    }
  };
  return { busy, error, run };
}

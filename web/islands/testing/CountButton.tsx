/** Test-only island (web/build_test.ts, hydration test): increments a signal it shares with CountView. */
import type { Signal } from "@preact/signals";
import { useHydrated } from "../hooks.ts";

/** Props of {@link CountButton}. */
export interface CountButtonProps {
  count: Signal<number>;
}

/** A button that adds one to `count`. */
export default function CountButton({ count }: CountButtonProps) {
  useHydrated();
  return (
    <button type="button" data-testid="increment" onClick={() => count.value++}>
      Add one
    </button>
  );
}

/** Test-only island (hydration test): shows a signal another island changes, plus every revived prop type. */
import { type Signal, useComputed } from "@preact/signals";
import { useHydrated } from "../hooks.ts";

/** Props of {@link CountView}. */
export interface CountViewProps {
  count: Signal<number>;
  when: Date;
  tags: Set<string>;
  bytes: Uint8Array;
}

/** Renders `count` (live) and a description of its other props' revived types. */
export default function CountView({ count, when, tags, bytes }: CountViewProps) {
  useHydrated();
  const doubled = useComputed(() => count.value * 2);
  const kinds = `${when instanceof Date}/${tags instanceof Set}/${bytes instanceof Uint8Array}`;
  return (
    <p>
      <output data-testid="count">{count}</output> doubled <output data-testid="doubled">{doubled}</output>{" "}
      <span data-testid="kinds">{kinds}</span>
    </p>
  );
}

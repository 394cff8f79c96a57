/** One sentence about the visitor's AI runs left this month (`quota-remaining`). Server-only and island-safe. */
import type { Quota } from "../lib/quota.ts";

/** Props of {@link QuotaLine}: the numbers only, so islands can pass what they were given. */
export interface QuotaLineProps {
  quota: Pick<Quota, "remaining" | "limit" | "plan"> & { resetsAt: Date | string };
}

/** "3 of 5 AI runs left this month (free plan, resets 2026-12-01)." */
export function QuotaLine({ quota }: QuotaLineProps) {
  const resets = new Date(quota.resetsAt).toISOString().slice(0, 10);
  return (
    <p class="muted" data-testid="quota-remaining" data-remaining={quota.remaining}>
      {quota.remaining} of {quota.limit} AI runs left this month ({quota.plan} plan, resets {resets}).
    </p>
  );
}

/** An accessible progress bar (role=progressbar with aria-valuenow), used by pages and islands. */

/** Props of {@link ProgressBar}. */
export interface ProgressBarProps {
  /** Accessible name, e.g. "Upload progress". */
  label: string;
  /** 0..100 [percent]; clamped. */
  percent: number;
  /** `data-testid` for browser tests. */
  testId?: string;
}

/** A bar filled to `percent`, with the number shown beside it. */
export function ProgressBar({ label, percent, testId }: ProgressBarProps) {
  const pct = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div class="progress-row">
      <div
        class="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        data-testid={testId}
      >
        <div class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span class="progress-value">{pct}%</span>
    </div>
  );
}

/**
 * Peak picking on one activation function, madmom-style (madmom.features.onsets.peak_picking): a frame is an
 * onset when it is the maximum of its neighbourhood, above a fixed threshold and above the moving mean plus a
 * delta; onsets closer than a minimum inter-onset interval are merged. Options are in seconds, converted here.
 */

export interface PeakOptions {
  /** Absolute activation a peak must reach, default 0.5. */
  threshold?: number;
  /** A peak must exceed the moving mean by this much, default 0.1. */
  delta?: number;
  /** [seconds] moving-maximum window before / after the frame, default 0.03 / 0.03. */
  preMaxSec?: number;
  postMaxSec?: number;
  /** [seconds] moving-mean window before / after the frame, default 0.1 / 0.07. */
  preAvgSec?: number;
  postAvgSec?: number;
  /** [seconds] minimum inter-onset interval: a later peak within it is dropped, default 0.03. */
  combineSec?: number;
}

export interface Peak {
  /** [seconds] */
  time: number;
  /** The activation at the peak, 0..1 for a sigmoid model. */
  strength: number;
  /** Frame index of the peak. */
  frame: number;
}

/** The default peak-picking options. */
export const PEAK_DEFAULTS: Required<PeakOptions> = {
  threshold: 0.5,
  delta: 0.1,
  preMaxSec: 0.03,
  postMaxSec: 0.03,
  preAvgSec: 0.1,
  postAvgSec: 0.07,
  combineSec: 0.03,
};

/** Peaks of `act` (one value per frame at `fps` [frames per second]), in time order. */
export function pickPeaks(
  act: ArrayLike<number>,
  fps: number,
  opts: PeakOptions = {},
): Peak[] {
  if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  const o = { ...PEAK_DEFAULTS, ...opts };
  const frames = (sec: number) => Math.max(0, Math.round(sec * fps));
  const [preMax, postMax, preAvg, postAvg] = [
    o.preMaxSec,
    o.postMaxSec,
    o.preAvgSec,
    o.postAvgSec,
  ].map(frames);
  const n = act.length;
  // Prefix sums make the moving mean O(n) whatever the window.
  const prefix = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) prefix[t + 1] = prefix[t] + act[t];
  const peaks: Peak[] = [];
  for (let t = 0; t < n; t++) {
    const v = act[t];
    if (v < o.threshold) continue;
    const lo = Math.max(0, t - preAvg), hi = Math.min(n - 1, t + postAvg);
    if (v < (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1) + o.delta) continue;
    if (!isLocalMax(act, t, preMax, postMax)) continue;
    const time = t / fps;
    const last = peaks.at(-1);
    if (last && time - last.time < o.combineSec) continue;
    peaks.push({ time, strength: v, frame: t });
  }
  return peaks;
}

/** True when `act[t]` is the maximum of [t - pre, t + post]; on a plateau only its first frame counts. */
function isLocalMax(
  act: ArrayLike<number>,
  t: number,
  pre: number,
  post: number,
): boolean {
  const v = act[t];
  for (let i = Math.max(0, t - pre); i < t; i++) if (act[i] >= v) return false;
  for (let i = t + 1; i <= Math.min(act.length - 1, t + post); i++) {
    if (act[i] > v) return false;
  }
  return true;
}

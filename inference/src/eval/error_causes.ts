/**
 * Why a transcription was wrong, per lane: what sounded where it put a false onset, and where in the lane's
 * pipeline (peak picking, note filter, one hi-hat at a time) each missed stroke was lost, so a report can say
 * whether a lane needs a better model (its activation never rose), a better note filter (it rejected the peak) or
 * a better peak picker.
 */
import { HIHAT_LANES, LANES } from "../contracts/bsm.ts";
import { labelColumn } from "../pipeline/activations_io.ts";
import type { BarGrid } from "../pipeline/beat_grid.ts";
import { pickLane, type QuantizeOptions } from "../pipeline/quantize.ts";
import type { Activations } from "../pipeline/types.ts";
import type { TrackTruth } from "./dataset.ts";
import { matchWithExtras, ONSET_TOLERANCE_SEC } from "./metrics.ts";

/**
 * Why a lane's detections were wrong: each false positive is keyed by the reference lanes within the onset window
 * around it, sorted ("hihat_closed+snare": a kick on a snare stroke; its own lane: a double; "none": nothing
 * played there).
 */
export function falseOnsetCauses(
  falsePositives: readonly number[],
  reference: readonly { time: number; lane: string }[],
): Record<string, number> {
  const causes: Record<string, number> = {};
  for (const t of falsePositives) {
    const near = [
      ...new Set(
        reference.filter((n) => Math.abs(n.time - t) <= ONSET_TOLERANCE_SEC)
          .map((n) => n.lane),
      ),
    ].sort().join("+") || "none";
    causes[near] = (causes[near] ?? 0) + 1;
  }
  return causes;
}

/** Where a missed stroke was lost, in pipeline order from the last step back. */
export const MISS_CAUSES = {
  /** a note of the lane lies within the window but went to another stroke (a flam, a fast double) */
  taken: "a note nearby matched another stroke",
  /** its peak was picked and kept, then dropped for a stronger note of another hi-hat lane */
  otherHiHat: "dropped for another hi-hat lane",
  /** its peak was picked, then the note filter judged it no onset */
  rejected: "rejected by the note filter",
  /** the lane's activation stayed below the picking threshold all through the window */
  belowThreshold: "activation below the threshold",
  /** the activation rose above the threshold but made no peak: not above its neighbourhood mean by the delta,
   * not the local maximum, or merged into an earlier peak */
  noPeak: "no peak of its own",
} as const;

/** The suffix that marks a cause counted for ghost notes (references under the ghost velocity). */
export const GHOST_SUFFIX = " (ghost note)";

const near = (times: readonly { time: number }[], t: number) =>
  times.some((p) => Math.abs(p.time - t) <= ONSET_TOLERANCE_SEC + 1e-9);

/**
 * Per lane, its missed strokes by cause ({@link MISS_CAUSES}; ghost notes, under `ghostVelocity`, keyed with
 * {@link GHOST_SUFFIX}). `notes` are the pipeline's final notes for `act`, picked with `picking` on `grid`.
 */
export function missCauses(
  act: Activations,
  truth: Pick<TrackTruth, "notes">,
  notes: readonly { time: number; lane: string }[],
  picking: Pick<QuantizeOptions, "peaks" | "lanePeaks" | "noteFilter">,
  grid: BarGrid | null,
  ghostVelocity: number,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const lane of LANES) {
    const refs = truth.notes.filter((n) => n.lane === lane);
    const found = notes.filter((n) => n.lane === lane);
    const { missed } = matchWithExtras(
      found.map((n) => n.time),
      refs.map((n) => n.time),
      ONSET_TOLERANCE_SEC,
    );
    const causes: Record<string, number> = {};
    out[lane] = causes;
    if (!missed.length) continue;
    const column = labelColumn(act, lane);
    const peaks = column ? pickLane(act, lane, picking, grid) : null;
    const ghostAt = new Set(
      refs.filter((n) => n.velocity < ghostVelocity).map((n) => n.time),
    );
    const causeOf = (time: number): string => {
      if (near(found, time)) return MISS_CAUSES.taken;
      if (!column || !peaks) return MISS_CAUSES.belowThreshold; // the model has no such column
      if (HIHAT_LANES.includes(lane) && near(peaks.kept, time)) {
        return MISS_CAUSES.otherHiHat;
      }
      if (near(peaks.candidates, time)) return MISS_CAUSES.rejected;
      return maxAround(column, act.fps, time) < peaks.threshold
        ? MISS_CAUSES.belowThreshold
        : MISS_CAUSES.noPeak;
    };
    for (const time of missed) {
      const cause = causeOf(time);
      const key = ghostAt.has(time) ? cause + GHOST_SUFFIX : cause;
      causes[key] = (causes[key] ?? 0) + 1;
    }
  }
  return out;
}

/** The largest value of `column` within the onset window around `time` [seconds]. */
function maxAround(column: ArrayLike<number>, fps: number, time: number) {
  const lo = Math.max(0, Math.ceil((time - ONSET_TOLERANCE_SEC) * fps - 1e-9));
  const hi = Math.min(
    column.length - 1,
    Math.floor((time + ONSET_TOLERANCE_SEC) * fps + 1e-9),
  );
  let max = 0;
  for (let f = lo; f <= hi; f++) max = Math.max(max, column[f]);
  return max;
}

/** Per-lane cause counts (false onsets, misses) summed over tracks. */
export function sumCauses(
  perTrack: Record<string, Record<string, number>>[],
): Record<string, Record<string, number>> {
  const sum: Record<string, Record<string, number>> = {};
  for (const lanes of perTrack) {
    for (const [lane, causes] of Object.entries(lanes)) {
      const total = sum[lane] ??= {};
      for (const [cause, n] of Object.entries(causes)) {
        total[cause] = (total[cause] ?? 0) + n;
      }
    }
  }
  return sum;
}

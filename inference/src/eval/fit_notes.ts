/**
 * Fits a model's note filter (pipeline/note_filter.ts) on generated songs. Per lane: every peak picked at the
 * floor becomes a candidate vector, labelled 1 when a true onset of the lane lies within +-50 ms; a logistic model
 * is fitted on one set of songs (the `bars` split: training kits, its own seed), then the probability threshold
 * is chosen on another (the validation split). A lane is filtered only when that beats its plain tuned threshold
 * on validation; the held-out test kits are never looked at.
 */
import { LANES } from "../contracts/bsm.ts";
import { labelColumn } from "../pipeline/activations_io.ts";
import {
  candidateVector,
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
}

export interface FitNotesOptions {
  /** Activation at which candidates are picked, default 0.3. */
  floor?: number;
  /** L2 penalty per example on the standardised weights, default 1e-4. */
  l2?: number;
  /** Validation F a lane's filter must gain over its plain threshold to be kept, default 0.002. */
  minGain?: number;
}

/** Validation F per lane, plain (tuned threshold) and filtered (fitted model, best probability threshold). */
export type NoteFilterReport = Record<
  string,
  { plain: number; filtered: number; kept: boolean }
>;

const refTimes = (t: TrackTruth, lane: string) =>
  t.notes.filter((n) => n.lane === lane).map((n) => n.time);

/** Each peak of `lane` picked at `floor` as a candidate vector, labelled by whether a true onset is near it. */
export function laneCandidates(
  tracks: readonly LabelledTrack[],
  lane: string,
  floor: number,
): { rows: Float64Array[]; labels: number[] } {
  const rows: Float64Array[] = [], labels: number[] = [];
  for (const { act, truth } of tracks) {
    const col = act.labels.indexOf(lane);
    const refs = refTimes(truth, lane);
    for (
      const p of pickPeaks(labelColumn(act, lane)!, act.fps, {
        threshold: floor,
      })
    ) {
      rows.push(candidateVector(act, col, p.frame));
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
    const { rows, labels: y } = laneCandidates(fit, lane, floor);
    const positives = y.reduce((s, v) => s + v, 0);
    if (positives === 0 || positives === y.length) { // nothing to tell apart
      report[lane] = { plain, filtered: plain, kept: false };
      continue;
    }
    const model = fitStandardised(rows, y, l2);
    // each validation peak's probability once; a threshold then keeps those above it (as filterPeaks does)
    const scored = val.map((t) => {
      const col = t.act.labels.indexOf(lane);
      const peaks = pickPeaks(labelColumn(t.act, lane)!, t.act.fps, {
        threshold: floor,
      });
      return peaks.map((p) => ({
        time: p.time,
        probability: onsetProbability(t.act, col, p.frame, model),
      }));
    });
    let best = { f: -1, threshold: 0.5 };
    for (const threshold of THRESHOLD_GRID) {
      let c: Counts = { tp: 0, fp: 0, fn: 0 };
      val.forEach((t, i) => {
        const det = scored[i].filter((p) => p.probability > threshold).map((
          p,
        ) => p.time);
        c = addCounts(
          c,
          matchEvents(det, refTimes(t.truth, lane), ONSET_TOLERANCE_SEC),
        );
      });
      const f = prf(c).f;
      if (f > best.f) best = { f, threshold };
    }
    const kept = best.f > plain + minGain;
    report[lane] = { plain, filtered: best.f, kept };
    if (kept) filter.lanes[lane] = { ...model, threshold: best.threshold };
  }
  return { filter: noteFilterSchema.parse(filter), report };
}

/**
 * Evaluation metrics of drum transcription and beat tracking, as in mir_eval / MIREX: onset F-measure with a
 * one-to-one matching inside a tolerance window, beat F-measure (+-70 ms), and tempo accuracy Acc1 / Acc2.
 */

/** Matched (tp), extra (fp) and missed (fn) events; counts add up across tracks ("pooled"). */
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** Precision, recall and F-measure of `c`; an empty reference and no detections count as perfect. */
export function prf(
  c: Counts,
): { precision: number; recall: number; f: number } {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  const f = c.tp + c.fp + c.fn === 0
    ? 1
    : (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
  return { precision, recall, f };
}

/** Sum of counts. */
export function addCounts(a: Counts, b: Counts): Counts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn };
}

/**
 * Matches detections to references one to one when |det - ref| <= `tol` [seconds]: a maximum matching (both lists
 * sorted, a greedy sweep that pairs each reference with the earliest unused detection in its window is optimal for
 * interval windows of equal width).
 */
export function matchEvents(
  detections: readonly number[],
  references: readonly number[],
  tol: number,
): Counts {
  return matchWithExtras(detections, references, tol).counts;
}

/**
 * {@link matchEvents}' counts, the detections its matching leaves without a reference (`extras`) and the references
 * it leaves without a detection (`missed`), both sorted.
 */
export function matchWithExtras(
  detections: readonly number[],
  references: readonly number[],
  tol: number,
): { counts: Counts; extras: number[]; missed: number[] } {
  if (!(tol >= 0)) {
    throw new RangeError(`tolerance must be >= 0 seconds, got ${tol}`);
  }
  const det = [...detections].sort((a, b) => a - b);
  const ref = [...references].sort((a, b) => a - b);
  const matched = new Array<boolean>(det.length).fill(false);
  const missed: number[] = [];
  let i = 0;
  for (const r of ref) {
    while (i < det.length && det[i] < r - tol - 1e-9) i++;
    if (i < det.length && det[i] <= r + tol + 1e-9) {
      matched[i] = true;
      i++;
    } else missed.push(r);
  }
  const extras = det.filter((_, k) => !matched[k]);
  const tp = det.length - extras.length;
  return {
    counts: { tp, fp: extras.length, fn: ref.length - tp },
    extras,
    missed,
  };
}

/** [seconds] mir_eval's beat F-measure window. */
export const BEAT_TOLERANCE_SEC = 0.07;
/** [seconds] onset window used for drum transcription. */
export const ONSET_TOLERANCE_SEC = 0.05;

/** Beat F-measure of one track (+-70 ms); like mir_eval, beats in the first 5 s are ignored when `skipSec` = 5. */
export function beatFMeasure(
  detected: readonly number[],
  reference: readonly number[],
  skipSec = 0,
): number {
  const d = detected.filter((t) => t >= skipSec),
    r = reference.filter((t) => t >= skipSec);
  return prf(matchEvents(d, r, BEAT_TOLERANCE_SEC)).f;
}

/** [bpm] tempo of a beat sequence: 60 / median inter-beat interval; 0 with fewer than two beats. */
export function tempoOfBeats(beats: readonly number[]): number {
  if (beats.length < 2) return 0;
  const ibi = beats.slice(1).map((b, i) => b - beats[i]).sort((a, b) => a - b);
  const m = ibi.length >> 1;
  const median = ibi.length % 2 ? ibi[m] : (ibi[m - 1] + ibi[m]) / 2;
  return 60 / median;
}

/**
 * Tempo accuracy (Gouyon et al. 2006): Acc1 when the estimate is within `tol` (relative, default 4 %) of the
 * reference; Acc2 also accepts double, half, triple and third (octave errors).
 */
export function tempoAccuracy(
  estimateBpm: number,
  referenceBpm: number,
  tol = 0.04,
): { acc1: boolean; acc2: boolean } {
  if (!(referenceBpm > 0)) {
    throw new RangeError(
      `reference tempo must be positive, got ${referenceBpm}`,
    );
  }
  const ok = (factor: number) =>
    Math.abs(estimateBpm - referenceBpm * factor) <=
      tol * referenceBpm * factor;
  const acc1 = ok(1);
  return { acc1, acc2: acc1 || [2, 0.5, 3, 1 / 3].some(ok) };
}

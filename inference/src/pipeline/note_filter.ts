/**
 * A second opinion on each picked peak, from the other lanes around it. A lane's activation alone cannot tell a
 * quiet snare from a hi-hat stroke that merely sounds like one, or a kick from a boomy snare: the model answers
 * each lane on its own. Here every peak of a filtered lane becomes a vector (its own activation, how far it stands
 * above its neighbourhood, and every other column's strongest activation within +-2 frames) and a per-lane
 * logistic model gives the probability that it is a real onset. Peaks are first picked at a low floor, then kept
 * when that probability passes the lane's threshold.
 *
 * A lane's vector may end with two bar-repetition features: grooves repeat, so a quiet peak where the lane also
 * sounds one and two bars before and after is more likely a real stroke (a ghost note of the pattern) than one
 * alone at its bar position (a hi-hat stroke the lane merely hears). They are read on the tracked beat grid.
 *
 * Fitted per transcription model on generated songs by `eval:transcription --fit-notes` (eval/fit_notes.ts) and
 * stored next to it as `<model>.notes.json`; only lanes where it beat the plain threshold on validation are in it.
 */
import { z } from "zod";
import { type BarGrid, sameBarPosition } from "./beat_grid.ts";
import type { Peak } from "./peaks.ts";
import type { Activations } from "./types.ts";

/** [frames] each side of a peak in which the other columns' strongest activation is read. */
export const CONTEXT_FRAMES = 2;
/** [frames] before / after a peak over which its neighbourhood mean is taken. */
const MEAN_BEFORE = 9, MEAN_AFTER = 6;
/** Bars before (negative) and after a peak at whose same position the lane is read. */
export const OTHER_BARS = [-2, -1, 1, 2];
/** Number of bar-repetition features. */
const BAR_FEATURES = 2;

const laneFilterSchema = z.object({
  /** Standardisation of the candidate vector, then the logistic weights and bias. */
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
  weights: z.array(z.number()),
  bias: z.number(),
  /** A peak is kept when its probability exceeds this. */
  threshold: z.number().gt(0).lt(1),
  /** Whether the vector ends with the two bar-repetition features ({@link barRepetition}). */
  bars: z.boolean().optional(),
});

/** A fitted note filter, as stored in `inference/models/<model>.notes.json`. */
export const noteFilterSchema = z.object({
  /** Activation columns in the order the model saw them (the candidate vectors depend on it). */
  labels: z.array(z.string().min(1)).min(2),
  /** Peaks of a filtered lane are picked at this activation, then filtered. */
  floor: z.number().gt(0).lt(1),
  lanes: z.record(z.string(), laneFilterSchema),
}).refine(
  (
    m: {
      labels: string[];
      lanes: Record<string, z.infer<typeof laneFilterSchema>>;
    },
  ) =>
    Object.entries(m.lanes).every(([lane, f]) =>
      m.labels.includes(lane) &&
      f.weights.length === m.labels.length + 1 + (f.bars ? BAR_FEATURES : 0) &&
      f.mean.length === f.weights.length && f.std.length === f.weights.length
    ),
  { message: "note filter sizes disagree (labels, mean, std, weights)" },
);
export type NoteFilter = z.infer<typeof noteFilterSchema>;
export type LaneFilter = z.infer<typeof laneFilterSchema>;

const logit = (p: number) => {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
};

/**
 * The vector of the peak at `frame` of column `lane`: logit of its activation, its activation minus its
 * neighbourhood mean, then per other column (in `act.labels` order) the logit of its maximum within
 * +-{@link CONTEXT_FRAMES} frames. Length `act.labels.length + 1`.
 */
export function candidateVector(
  act: Activations,
  lane: number,
  frame: number,
): Float64Array {
  const n = act.labels.length,
    at = (f: number, c: number) => act.data[f * n + c];
  const v = new Float64Array(n + 1);
  v[0] = logit(at(frame, lane));
  const lo = Math.max(0, frame - MEAN_BEFORE),
    hi = Math.min(act.frames - 1, frame + MEAN_AFTER);
  let sum = 0;
  for (let f = lo; f <= hi; f++) sum += at(f, lane);
  v[1] = at(frame, lane) - sum / (hi - lo + 1);
  let k = 2;
  for (let c = 0; c < n; c++) {
    if (c !== lane) v[k++] = logit(maxNear(act, c, frame));
  }
  return v;
}

/** Column `col`'s strongest activation within +-{@link CONTEXT_FRAMES} frames of `frame`. */
function maxNear(act: Activations, col: number, frame: number): number {
  const n = act.labels.length;
  let max = 0;
  for (
    let f = Math.max(0, frame - CONTEXT_FRAMES);
    f <= Math.min(act.frames - 1, frame + CONTEXT_FRAMES);
    f++
  ) max = Math.max(max, act.data[f * n + col]);
  return max;
}

/**
 * The bar-repetition features of the peak at `frame` of column `lane`: the lane's strongest activation within
 * +-{@link CONTEXT_FRAMES} frames of the same bar position {@link OTHER_BARS} away, as [logit of their maximum,
 * logit of their mean]. Without a grid, or with no other bar inside the tracked beats, both are logit(0.5) = 0.
 */
export function barRepetition(
  act: Activations,
  lane: number,
  frame: number,
  grid: BarGrid | null,
): [number, number] {
  if (!grid) return [0, 0];
  const others = sameBarPosition(grid, frame / act.fps, OTHER_BARS)
    .map((t) => maxNear(act, lane, Math.round(t * act.fps)));
  if (!others.length) return [0, 0];
  const mean = others.reduce((sum, v) => sum + v, 0) / others.length;
  return [logit(Math.max(...others)), logit(mean)];
}

/** The vector `f` reads for the peak at `frame` of column `lane`: {@link candidateVector}, then the bar features. */
export function laneVector(
  act: Activations,
  lane: number,
  frame: number,
  f: Pick<LaneFilter, "bars">,
  grid: BarGrid | null,
): Float64Array {
  const v = candidateVector(act, lane, frame);
  if (!f.bars) return v;
  const out = new Float64Array(v.length + BAR_FEATURES);
  out.set(v);
  out.set(barRepetition(act, lane, frame, grid), v.length);
  return out;
}

/** Probability that the peak at `frame` of column `lane` is a real onset, by the lane's fitted model. */
export function onsetProbability(
  act: Activations,
  lane: number,
  frame: number,
  f: Pick<LaneFilter, "mean" | "std" | "weights" | "bias" | "bars">,
  grid: BarGrid | null = null,
): number {
  const v = laneVector(act, lane, frame, f, grid);
  let z = f.bias;
  for (let j = 0; j < v.length; j++) {
    z += f.weights[j] * (v[j] - f.mean[j]) / f.std[j];
  }
  return 1 / (1 + Math.exp(-z));
}

/**
 * The peaks of `lane` that `filter` keeps (all of them when it does not filter that lane); `grid` is where the
 * bars fall, for lanes whose vector has the bar features. Throws when the activations' columns differ from those
 * the filter was fitted on.
 */
export function filterPeaks(
  act: Activations,
  lane: string,
  peaks: Peak[],
  filter: NoteFilter,
  grid: BarGrid | null = null,
): Peak[] {
  const f = filter.lanes[lane];
  if (!f) return peaks;
  if (filter.labels.join() !== act.labels.join()) {
    throw new RangeError(
      `note filter fitted on columns ${
        filter.labels.join(",")
      }, activations have ${act.labels.join(",")}`,
    );
  }
  const col = act.labels.indexOf(lane);
  return peaks.filter((p) =>
    onsetProbability(act, col, p.frame, f, grid) > f.threshold
  );
}

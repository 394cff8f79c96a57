/**
 * A second opinion on each picked peak, from the other lanes around it. A lane's activation alone cannot tell a
 * quiet snare from a hi-hat stroke that merely sounds like one, or a kick from a boomy snare: the model answers
 * each lane on its own. Here every peak of a filtered lane becomes a vector (its own activation, how far it stands
 * above its neighbourhood, and every other column's strongest activation within +-2 frames) and a per-lane
 * logistic model gives the probability that it is a real onset. Peaks are first picked at a low floor, then kept
 * when that probability passes the lane's threshold.
 *
 * Fitted per transcription model on generated songs by `eval:transcription --fit-notes` (eval/fit_notes.ts) and
 * stored next to it as `<model>.notes.json`; only lanes where it beat the plain threshold on validation are in it.
 */
import { z } from "zod";
import type { Peak } from "./peaks.ts";
import type { Activations } from "./types.ts";

/** [frames] each side of a peak in which the other columns' strongest activation is read. */
export const CONTEXT_FRAMES = 2;
/** [frames] before / after a peak over which its neighbourhood mean is taken. */
const MEAN_BEFORE = 9, MEAN_AFTER = 6;

const laneFilterSchema = z.object({
  /** Standardisation of the candidate vector, then the logistic weights and bias. */
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
  weights: z.array(z.number()),
  bias: z.number(),
  /** A peak is kept when its probability exceeds this. */
  threshold: z.number().gt(0).lt(1),
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
      m.labels.includes(lane) && f.weights.length === m.labels.length + 1 &&
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
    if (c === lane) continue;
    let max = 0;
    const from = Math.max(0, frame - CONTEXT_FRAMES),
      to = Math.min(act.frames - 1, frame + CONTEXT_FRAMES);
    for (let f = from; f <= to; f++) max = Math.max(max, at(f, c));
    v[k++] = logit(max);
  }
  return v;
}

/** Probability that the peak at `frame` of column `lane` is a real onset, by the lane's fitted model. */
export function onsetProbability(
  act: Activations,
  lane: number,
  frame: number,
  f: Pick<LaneFilter, "mean" | "std" | "weights" | "bias">,
): number {
  const v = candidateVector(act, lane, frame);
  let z = f.bias;
  for (let j = 0; j < v.length; j++) {
    z += f.weights[j] * (v[j] - f.mean[j]) / f.std[j];
  }
  return 1 / (1 + Math.exp(-z));
}

/**
 * The peaks of `lane` that `filter` keeps (all of them when it does not filter that lane). Throws when the
 * activations' columns differ from those the filter was fitted on.
 */
export function filterPeaks(
  act: Activations,
  lane: string,
  peaks: Peak[],
  filter: NoteFilter,
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
    onsetProbability(act, col, p.frame, f) > f.threshold
  );
}

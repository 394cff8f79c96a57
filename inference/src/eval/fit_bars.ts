/**
 * Fits the downbeat stage's logistic model (pipeline/bars.ts) on generated songs: each tracked beat's windowed
 * vector against whether a true downbeat lies within +-70 ms of it (eval/logistic.ts).
 */
import { LANES } from "../contracts/bsm.ts";
import {
  type BarModel,
  barModelSchema,
  beatVectors,
  windowedVector,
} from "../pipeline/bars.ts";
import { trackBeats } from "../pipeline/beats.ts";
import type { Activations } from "../pipeline/types.ts";
import type { TrackTruth } from "./dataset.ts";
import { fitStandardised, roundWeight } from "./logistic.ts";
import { BEAT_TOLERANCE_SEC } from "./metrics.ts";

export interface FitBarsOptions {
  /** Beats on each side, default 8 (on the validation split: 2 -> 0.943, 4 and 8 -> 0.950 downbeat F). */
  window?: number;
  /** L2 penalty per example on the standardised weights, default 0.01. */
  l2?: number;
  /** Newton steps at most, default 25. */
  maxSteps?: number;
}

/** Meters the decoder considers and their priors: four first, 6/8 (two dotted-quarter beats), odd meters last. */
const METER_PRIOR: [beatsPerBar: number, prior: number][] = [
  [4, 0.6],
  [3, 0.15],
  [2, 0.15],
  [5, 0.05],
  [7, 0.05],
];
/** Probability that the meter changes at a bar line. */
const METER_CHANGE = 1e-3;

/** For each tracked beat, 1 when a true downbeat lies within {@link BEAT_TOLERANCE_SEC} of it, else 0. */
function beatLabels(beats: readonly number[], truth: TrackTruth): number[] {
  return beats.map((b) =>
    truth.downbeats.some((d) => Math.abs(d - b) <= BEAT_TOLERANCE_SEC) ? 1 : 0
  );
}

/** Fits a bar model for a transcription model's activations `acts` of songs with ground truth `truths`. */
export function fitBarModel(
  acts: readonly Activations[],
  truths: readonly TrackTruth[],
  opts: FitBarsOptions = {},
): BarModel {
  const window = opts.window ?? 8;
  const labels = acts[0].labels;
  const spec = {
    labels,
    betweenLabels: LANES.filter((l) => labels.includes(l)),
    window,
  };
  const x: Float64Array[] = [], y: number[] = [];
  acts.forEach((act, i) => {
    const { beats } = trackBeats(act);
    const frames = beats.map((b) => Math.round(b * act.fps));
    const vectors = beatVectors(act, frames, spec);
    vectors.forEach((_, k) => x.push(windowedVector(vectors, k, window)));
    y.push(...beatLabels(beats, truths[i]));
  });
  if (x.length === 0) throw new Error("no beats to fit the bar model on");
  const fitted = fitStandardised(x, y, opts.l2 ?? 0.01, opts.maxSteps);
  return barModelSchema.parse({
    ...spec,
    ...fitted,
    meters: METER_PRIOR.map(([m]) => m),
    meterLogPrior: METER_PRIOR.map(([, p]) => roundWeight(Math.log(p))),
    meterChange: METER_CHANGE,
  });
}

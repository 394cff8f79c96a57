/**
 * Fits the downbeat stage's logistic model (pipeline/bars.ts) on generated songs: each tracked beat's windowed
 * vector against whether a true downbeat lies within +-70 ms of it. Newton's method on the L2-regularised
 * log-likelihood; the vectors are standardised first, so one penalty suits every feature.
 */
import { LANES } from "../contracts/bsm.ts";
import {
  type BarModel,
  barModelSchema,
  beatVectors,
  windowedLength,
  windowedVector,
} from "../pipeline/bars.ts";
import { trackBeats } from "../pipeline/beats.ts";
import type { Activations } from "../pipeline/types.ts";
import type { TrackTruth } from "./dataset.ts";
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

/** Solves the symmetric positive definite system `a x = b` (n x n, row-major) by Cholesky; `a` is overwritten. */
export function solveSpd(
  a: Float64Array,
  b: Float64Array,
  n: number,
): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] ** 2;
    if (!(d > 0)) throw new RangeError("matrix is not positive definite");
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) y[i] -= a[i * n + k] * y[k];
    y[i] /= a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) y[i] -= a[k * n + i] * y[k];
    y[i] /= a[i * n + i];
  }
  return y;
}

/**
 * L2-regularised logistic regression on rows `x` (each of length m) and 0/1 `y`; returns weights and bias. The
 * bias (parameter m, an implicit 1 on every row) is not penalised. Stops when no weight moves by more than 1e-6.
 */
export function fitLogistic(
  x: readonly Float64Array[],
  y: readonly number[],
  l2: number,
  maxSteps = 25,
): { weights: Float64Array; bias: number } {
  const m = x[0].length, d = m + 1, n = x.length;
  const w = new Float64Array(d);
  for (let step = 0; step < maxSteps; step++) {
    const g = new Float64Array(d), h = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const r = x[i];
      let z = w[m];
      for (let j = 0; j < m; j++) z += w[j] * r[j];
      const p = 1 / (1 + Math.exp(-z)), s = p * (1 - p), e = p - y[i];
      for (let j = 0; j < m; j++) {
        if (r[j] === 0) continue;
        g[j] += e * r[j];
        const sr = s * r[j];
        for (let k = 0; k <= j; k++) h[j * d + k] += sr * r[k];
      }
      g[m] += e;
      for (let k = 0; k < m; k++) h[m * d + k] += s * r[k];
      h[m * d + m] += s;
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) h[k * d + j] = h[j * d + k];
      if (j < d - 1) (g[j] += l2 * n * w[j]), (h[j * d + j] += l2 * n);
      else h[j * d + j] += 1e-9 * n;
    }
    const delta = solveSpd(h, g, d);
    let moved = 0;
    for (let j = 0; j < d; j++) {
      (w[j] -= delta[j]), (moved = Math.max(moved, Math.abs(delta[j])));
    }
    if (moved < 1e-6) break;
  }
  return { weights: w.subarray(0, d - 1), bias: w[d - 1] };
}

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
  const d = windowedLength(spec);
  const mean = new Float64Array(d), std = new Float64Array(d);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] += r[j] / x.length;
  for (const r of x) {
    for (let j = 0; j < d; j++) std[j] += (r[j] - mean[j]) ** 2 / x.length;
  }
  for (let j = 0; j < d; j++) std[j] = Math.max(1e-6, Math.sqrt(std[j]));
  // standardised in place: the rows are this function's own, and a copy of them is tens of MB
  for (const r of x) {
    for (let j = 0; j < d; j++) r[j] = (r[j] - mean[j]) / std[j];
  }
  const { weights, bias } = fitLogistic(x, y, opts.l2 ?? 0.01, opts.maxSteps);
  const round = (v: number) => Number(v.toPrecision(6));
  return barModelSchema.parse({
    ...spec,
    mean: Array.from(mean, round),
    std: Array.from(std, round),
    weights: Array.from(weights, round),
    bias: round(bias),
    meters: METER_PRIOR.map(([m]) => m),
    meterLogPrior: METER_PRIOR.map(([, p]) => round(Math.log(p))),
    meterChange: METER_CHANGE,
  });
}

/**
 * Downbeats and meter from the whole song, beat by beat. The network sees about +-1.5 s, less than a slow bar, so
 * on its own it cannot tell beat 1 from beat 3 of a groove that repeats every half bar; what does tell them apart
 * lies bars away (fills end before a downbeat, crashes land on it) or only shows over the whole song. So:
 *
 * 1. every tracked beat gets a feature vector: each activation at the beat, and each lane's strongest activation
 *    between the previous beat and this one (fills);
 * 2. a logistic model over the vectors of a window of beats around each beat gives the probability that it starts
 *    a bar (fitted on generated songs by `eval:transcription --fit-bars`, stored next to the model);
 * 3. a Viterbi pass over (beats per bar, position in the bar) turns those probabilities into bars: the position
 *    advances one per beat, the meter may change only at a bar line (madmom's bar tracker is built the same way).
 */
import { z } from "zod";
import type { Activations } from "./types.ts";

/** A fitted downbeat model, as stored in `inference/models/<model>.bars.json`. */
export const barModelSchema = z.object({
  /** Activation columns each beat's vector reads, in order (the "at beat" part uses all, "between" the lanes). */
  labels: z.array(z.string().min(1)).min(1),
  /** Columns whose strongest value between two beats is part of the vector (the drum lanes). */
  betweenLabels: z.array(z.string().min(1)),
  /** Beats on each side of a beat whose vectors the logistic model reads. */
  window: z.number().int().nonnegative(),
  /** Standardisation of the windowed vector, then the logistic weights and bias. */
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
  weights: z.array(z.number()),
  bias: z.number(),
  /** Beats per bar the decoder considers, and their log prior (popular music is mostly in four). */
  meters: z.array(z.number().int().min(2).max(12)).min(1),
  meterLogPrior: z.array(z.number()),
  /** Probability that a bar is followed by a bar of another meter. */
  meterChange: z.number().gt(0).lt(1),
}).refine(
  (
    m: FeatureSpec & {
      mean: number[];
      std: number[];
      weights: number[];
      meters: number[];
      meterLogPrior: number[];
    },
  ) =>
    m.mean.length === m.std.length && m.mean.length === m.weights.length &&
    m.weights.length === windowedLength(m) &&
    m.meterLogPrior.length === m.meters.length,
  { message: "bar model sizes disagree (mean, std, weights, window, meters)" },
);
export type BarModel = z.infer<typeof barModelSchema>;

/** What a beat's windowed vector is made of (the first three fields of a {@link BarModel}). */
export interface FeatureSpec {
  labels: readonly string[];
  betweenLabels: readonly string[];
  window: number;
}

/** Length of one beat's vector: activations at the beat, lane maxima before it, and a "beat exists" flag. */
export function beatVectorLength(
  spec: Pick<FeatureSpec, "labels" | "betweenLabels">,
): number {
  return spec.labels.length + spec.betweenLabels.length + 1;
}

/** Length of the windowed vector the logistic model reads. */
export function windowedLength(spec: FeatureSpec): number {
  return (2 * spec.window + 1) * beatVectorLength(spec);
}

function columnIndex(act: Activations, label: string): number {
  const i = act.labels.indexOf(label);
  if (i < 0) {
    throw new Error(
      `the bar model needs activation column "${label}", which this model lacks`,
    );
  }
  return i;
}

/** Frames [from, to] (clipped) -> the largest value of column `col`, 0 when the span is empty. */
function spanMax(
  act: Activations,
  col: number,
  from: number,
  to: number,
): number {
  const n = act.labels.length;
  let m = 0;
  for (let t = Math.max(0, from); t <= Math.min(act.frames - 1, to); t++) {
    m = Math.max(m, act.data[t * n + col]);
  }
  return m;
}

/**
 * One vector per beat (frames ascending): each `labels` column's peak within +-2 frames of the beat, each
 * `betweenLabels` column's peak strictly between the previous beat and this one (3 frames off each), and 1.
 */
export function beatVectors(
  act: Activations,
  beatFrames: readonly number[],
  spec: FeatureSpec,
): Float64Array[] {
  const at = spec.labels.map((l) => columnIndex(act, l));
  const between = spec.betweenLabels.map((l) => columnIndex(act, l));
  return beatFrames.map((f, k) => {
    // before the first beat, a beat's length back (the next gap; a lone beat looks 20 frames back)
    const prev = k > 0
      ? beatFrames[k - 1]
      : f - ((beatFrames[1] ?? f + 20) - f);
    const v = new Float64Array(beatVectorLength(spec));
    at.forEach((c, i) => (v[i] = spanMax(act, c, f - 2, f + 2)));
    between.forEach((
      c,
      i,
    ) => (v[at.length + i] = spanMax(act, c, prev + 3, f - 3)));
    v[v.length - 1] = 1;
    return v;
  });
}

/** Beat k's windowed vector: the vectors of beats k-window..k+window, zeros where the song has no such beat. */
export function windowedVector(
  vectors: readonly Float64Array[],
  k: number,
  window: number,
): Float64Array {
  const len = vectors[0]?.length ?? 0;
  const out = new Float64Array((2 * window + 1) * len);
  for (let o = -window; o <= window; o++) {
    const v = vectors[k + o];
    if (v) out.set(v, (o + window) * len);
  }
  return out;
}

/** Per beat, the probability that it starts a bar. */
export function downbeatProbabilities(
  act: Activations,
  beatFrames: readonly number[],
  model: BarModel,
): number[] {
  const vectors = beatVectors(act, beatFrames, model);
  return vectors.map((_, k) => {
    const x = windowedVector(vectors, k, model.window);
    let z = model.bias;
    for (let i = 0; i < x.length; i++) {
      z += model.weights[i] * ((x[i] - model.mean[i]) / model.std[i]);
    }
    return 1 / (1 + Math.exp(-z));
  });
}

export interface Bars {
  /** Per beat, its position in its bar (0 = downbeat). */
  positions: number[];
  /** Per beat, the beats per bar of its bar. */
  meters: number[];
}

/**
 * The most likely bar structure for per-beat downbeat probabilities `p`: states (meter m, position k < m); k
 * advances by one per beat; from the last position a bar of the same meter follows with probability
 * 1 - meterChange, another meter's with the rest; a beat at position 0 is observed with p, elsewhere with 1 - p.
 * The song may start anywhere in a bar (a pickup).
 */
export function decodeBars(
  p: readonly number[],
  model: Pick<BarModel, "meters" | "meterLogPrior" | "meterChange">,
): Bars {
  const { meters, meterLogPrior } = model;
  const states: [number, number][] = meters.flatMap((m, mi) =>
    Array.from({ length: m }, (_, k): [number, number] => [mi, k])
  );
  const first = meters.map((_, mi) =>
    states.findIndex(([s, k]) => s === mi && k === 0)
  );
  const stay = Math.log(1 - model.meterChange);
  const change = meters.length > 1
    ? Math.log(model.meterChange / (meters.length - 1))
    : -Infinity;
  const obs = (t: number, k: number) => {
    const q = Math.min(1 - 1e-6, Math.max(1e-6, p[t]));
    return Math.log(k === 0 ? q : 1 - q);
  };
  let score = states.map(([mi, k]) =>
    meterLogPrior[mi] - Math.log(meters[mi]) + (p.length ? obs(0, k) : 0)
  );
  const back: Int32Array[] = [];
  for (let t = 1; t < p.length; t++) {
    const from = new Int32Array(states.length);
    const next = states.map(([mi, k], s) => {
      if (k > 0) {
        from[s] = s - 1;
        return score[s - 1] + obs(t, k);
      }
      let best = -Infinity;
      meters.forEach((m, mj) => {
        const last = first[mj] + m - 1;
        const v = score[last] + (mj === mi ? stay : change);
        if (v > best) (best = v), (from[s] = last);
      });
      return best + obs(t, 0);
    });
    back.push(from);
    score = next;
  }
  let s = score.indexOf(Math.max(...score));
  const path = [s];
  for (let t = back.length - 1; t >= 0; t--) path.push(s = back[t][s]);
  path.reverse();
  return {
    positions: path.map((i) => states[i][1]),
    meters: path.map((i) => meters[states[i][0]]),
  };
}

/**
 * How far a difference between two models on the test set could be the set's own luck: a paired bootstrap over
 * its tracks. Both models are scored on the same resampled tracks (drawn with replacement), so a figure's
 * difference keeps what the tracks share and varies with which tracks the set happened to hold. A difference whose
 * 95 % interval spans 0 is one the set cannot tell from chance (it says nothing of training noise: a retrain with
 * another seed moves the figures too).
 */
import { prng } from "../testing/synth.ts";
import { addCounts, type Counts, prf } from "./metrics.ts";
import type { TrackScore } from "./evaluate.ts";

/** A difference (b - a) on the whole set and the central 95 % of it over the resamples. */
export interface PairedInterval {
  diff: number;
  low: number;
  high: number;
}

/** The figures compared: the lanes short of or near their targets, beats and the headline (their mean). */
export const COMPARED = [
  "kick",
  "snare",
  "hihat_all",
  "beat",
  "headline",
] as const;
export type Compared = typeof COMPARED[number];

/** The compared figures over the tracks `picks` (indices, repeats allowed): lane F pooled, beat F a mean. */
export function figuresOf(
  scores: readonly TrackScore[],
  picks: readonly number[],
): Record<Compared, number> {
  const zero: Counts = { tp: 0, fp: 0, fn: 0 };
  const pooledF = (lane: string) =>
    prf(
      picks.reduce(
        (c, i) => addCounts(c, scores[i].counts[lane] ?? zero),
        zero,
      ),
    ).f;
  const [kick, snare, hihat_all] = ["kick", "snare", "hihat_all"].map(pooledF);
  const beat = picks.reduce((s, i) => s + scores[i].beatF, 0) /
    Math.max(1, picks.length);
  return {
    kick,
    snare,
    hihat_all,
    beat,
    headline: (kick + snare + hihat_all + beat) / 4,
  };
}

/** Paired bootstrap of b's figures minus a's; `a` and `b` score the same tracks in the same order. */
export function pairedBootstrap(
  a: readonly TrackScore[],
  b: readonly TrackScore[],
  { resamples = 2000, seed = 1 }: { resamples?: number; seed?: number } = {},
): Record<Compared, PairedInterval> {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(
      `both models must score the same tracks (got ${a.length} and ${b.length})`,
    );
  }
  a.forEach((s, i) => {
    if (s.id !== b[i].id) {
      throw new RangeError(`track ${i}: ${s.id} against ${b[i].id}`);
    }
  });
  const all = a.map((_, i) => i);
  const [whole, wholeB] = [figuresOf(a, all), figuresOf(b, all)];
  const random = prng(seed);
  const diffs = Object.fromEntries(
    COMPARED.map((k) => [k, [] as number[]]),
  ) as Record<Compared, number[]>;
  for (let r = 0; r < resamples; r++) {
    const picks = all.map(() => Math.floor(random() * all.length));
    const [fa, fb] = [figuresOf(a, picks), figuresOf(b, picks)];
    for (const k of COMPARED) diffs[k].push(fb[k] - fa[k]);
  }
  const quantile = (sorted: number[], q: number) =>
    sorted[
      Math.min(
        sorted.length - 1,
        Math.max(0, Math.round(q * (sorted.length - 1))),
      )
    ];
  return Object.fromEntries(COMPARED.map((k) => {
    const sorted = diffs[k].sort((x, y) => x - y);
    return [k, {
      diff: wholeB[k] - whole[k],
      low: quantile(sorted, 0.025),
      high: quantile(sorted, 0.975),
    }];
  })) as Record<Compared, PairedInterval>;
}

/** One line: each figure's difference and its 95 % interval, signed, in F points. */
export function formatPaired(
  name: string,
  baseline: string,
  tracks: number,
  intervals: Record<Compared, PairedInterval>,
): string {
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;
  return `${name} - ${baseline}, paired bootstrap over the ${tracks} tracks (95 % interval): ` +
    COMPARED.map((k) => {
      const { diff, low, high } = intervals[k];
      return `${k} ${signed(diff)} [${signed(low)}, ${signed(high)}]`;
    }).join(", ");
}

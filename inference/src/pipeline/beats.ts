/**
 * Beats stage: a beat tracker after madmom's DBNBeatTrackingProcessor (Krebs, Böck & Widmer 2015). The hidden
 * state is (beat interval, position inside the beat); the position advances one frame per frame, and at the end
 * of a beat the interval may change with probability exp(-lambda * |ratio - 1|), so the path follows tempo
 * changes. Viterbi decoding over the `beat` activation (or the summed onset activations) gives the beats. Bars
 * come from the model's downbeat stage (bars.ts) where it has one; else the meter (4, 3, 5 or 7 beats per bar)
 * and its phase come from the downbeat (else kick) activation on each beat.
 */
import { z } from "zod";
import type { JobMessage } from "../contracts/job_message.ts";
import { decodeActivations, labelColumn } from "./activations_io.ts";
import { type BarModel, decodeBars, downbeatProbabilities } from "./bars.ts";
import { transcribeKey } from "./transcribe.ts";
import type { Activations, Stage } from "./types.ts";

/** [bpm] slowest and fastest tempo the tracker considers. */
export const MIN_BPM = 45;
export const MAX_BPM = 260;

export interface BeatOptions {
  /** [bpm] default {@link MIN_BPM} / {@link MAX_BPM}. */
  minBpm?: number;
  maxBpm?: number;
  /** Tempo-change sharpness: higher keeps the tempo steadier, default 150. */
  transitionLambda?: number;
  /**
   * [seconds] how long after each beat the path counts as "at a beat", default 0.035. The same window at every
   * tempo: a window that grew with the beat period (madmom's 1/16) lets slow tempos collect more of each peak,
   * which pulls fast songs (punk at 230 bpm) down to a half or a third of their tempo.
   */
  beatWindowSec?: number;
  /** The activation at which a frame is as likely a beat as not, default 0.5 (after {@link normalized}). */
  neutralActivation?: number;
  /** Frames before the first / after the last activation above this are not tracked, default 0.3. */
  threshold?: number;
  /**
   * The transcription model's fitted downbeat stage (its `<model>.bars.json`): bars and meter then come from it
   * ({@link decodeBars}); without one, from the accents on the beats ({@link chooseMeter}).
   */
  bars?: BarModel;
}

export interface BeatResult {
  /** Beat times [seconds], ascending. */
  beats: number[];
  /** Bar starts [seconds], a subset of `beats`. */
  downbeats: number[];
  /** [bpm] from the median inter-beat interval; 0 when fewer than two beats were found. */
  bpm: number;
  /** [beats per bar, beat unit] */
  timeSignature: [number, number];
}

/** The beats artifact (`beats.json`) as read back by later stages. */
export const beatResultSchema = z.object({
  beats: z.array(z.number().nonnegative()),
  downbeats: z.array(z.number().nonnegative()),
  bpm: z.number().nonnegative(),
  timeSignature: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
});

/** The activation the tracker follows: the model's `beat` column, else the clipped sum of all columns. */
function beatActivation(act: Activations): Float32Array {
  const beat = labelColumn(act, "beat");
  if (beat) return beat;
  const out = new Float32Array(act.frames);
  const n = act.labels.length;
  for (let t = 0; t < act.frames; t++) {
    let s = 0;
    for (let l = 0; l < n; l++) s += act.data[t * n + l];
    out[t] = Math.min(1, s);
  }
  return out;
}

/**
 * Intervals a beat can move to from each interval: the transition probability exp(-lambda * |to/from - 1|) is
 * cut off below exp(-TRANSITION_CUTOFF) (madmom drops such transitions too), which makes the table a narrow band.
 */
const TRANSITION_CUTOFF = 12;

/**
 * The band of source intervals [lo[j], hi[j]] each target interval j can be reached from, with their log
 * transition probabilities (each source's row normalised over its own band) stored per target from offset[j].
 */
function transitionBand(intervals: number[], lambda: number) {
  const n = intervals.length;
  const cost = (from: number, to: number) => lambda * Math.abs(to / from - 1);
  const rowSum = intervals.map((from) =>
    intervals.reduce(
      (sum, to) =>
        cost(from, to) <= TRANSITION_CUTOFF
          ? sum + Math.exp(-cost(from, to))
          : sum,
      0,
    )
  );
  const lo = new Int32Array(n),
    hi = new Int32Array(n),
    offset = new Int32Array(n + 1);
  const values: number[] = [];
  intervals.forEach((to, j) => {
    const sources = intervals.map((_, i) => i).filter((i) =>
      cost(intervals[i], to) <= TRANSITION_CUTOFF
    );
    lo[j] = sources[0];
    hi[j] = sources[sources.length - 1];
    for (let i = lo[j]; i <= hi[j]; i++) {
      values.push(-cost(intervals[i], to) - Math.log(rowSum[i]));
    }
    offset[j + 1] = values.length;
  });
  return { lo, hi, offset, logTrans: Float64Array.from(values) };
}

/**
 * One frame's beat boundaries: for every interval, the best score of entering its first position from the last
 * position of a source interval in its band (`ends`, overwritten with the result; `from` is scratch space) and
 * that source (`back` from `base`). A
 * function of its own so V8 optimises it as such rather than as a loop inside a long-running one.
 */
function newBeats(
  ends: Float64Array,
  from: Float64Array,
  band: ReturnType<typeof transitionBand>,
  back: Uint16Array,
  base: number,
): void {
  const { lo, hi, offset, logTrans } = band;
  from.set(ends);
  for (let j = 0; j < ends.length; j++) {
    let best = -Infinity, arg = 0;
    for (let i = lo[j], k = offset[j]; i <= hi[j]; i++, k++) {
      const v = from[i] + logTrans[k];
      if (v > best) best = v, arg = i;
    }
    back[base + j] = arg;
    ends[j] = best;
  }
}

/**
 * Viterbi over the (interval, position) space; returns the frames the best path spends in beat states, grouped.
 *
 * Each interval's positions live in a ring buffer indexed by (t - position) mod length, so advancing every
 * position by one frame costs nothing; scores are kept relative to the "not at a beat" observation, which every
 * state receives alike, and a beat window's observations are added when a path enters it, so each frame only
 * the beat boundaries (one slot per interval) change.
 */
function viterbiBeatRanges(
  act: Float32Array,
  fps: number,
  o: Required<Omit<BeatOptions, "bars">>,
): [number, number][] {
  const minI = Math.max(1, Math.floor((60 * fps) / o.maxBpm));
  const maxI = Math.ceil((60 * fps) / o.minBpm);
  const intervals = Array.from({ length: maxI - minI + 1 }, (_, k) => minI + k);
  const n = intervals.length;
  const first = new Int32Array(n + 1);
  intervals.forEach((len, k) => (first[k + 1] = first[k] + len));
  const states = first[n];
  const band = transitionBand(
    intervals,
    o.transitionLambda,
  );
  const window = Math.max(1, Math.round(o.beatWindowSec * fps));
  const beatLen = Int32Array.from(
    intervals,
    (len) => Math.min(len - 1, window),
  );
  const logit = (p: number) => Math.log(p / (1 - p));
  const neutral = logit(o.neutralActivation);
  const eps = 1e-7;
  // bonusUpTo[t + 1] = summed log-odds of "at a beat" over "not" of frames 0..t. A path collects the bonus of the
  // frames it spends in a beat window; that sum is known when it enters the window, so it is added right then
  // and the window's states need no update per frame (frames past the end count 0).
  const last = act.length - 1;
  const bonusUpTo = new Float64Array(act.length + 1);
  for (let t = 0; t < act.length; t++) {
    const a = Math.min(1 - eps, Math.max(eps, act[t]));
    bonusUpTo[t + 1] = bonusUpTo[t] + logit(a) - neutral;
  }
  const windowBonus = (from: number, frames: number) =>
    bonusUpTo[Math.min(last, from + frames - 1) + 1] - bonusUpTo[from];
  const score = new Float64Array(states).fill(-Math.log(states)); // ring buffers, one per interval
  for (let j = 0; j < n; j++) { // at frame 0, position p sits in slot -p mod length and has beatLen - p to go
    for (let p = 0; p < beatLen[j]; p++) {
      score[first[j] + (p === 0 ? 0 : intervals[j] - p)] += windowBonus(
        0,
        beatLen[j] - p,
      );
    }
  }
  // phase[j] = t mod intervals[j]: the slot of position 0 at frame t (and of position len-1 at frame t-1)
  const phase = new Int32Array(n);
  const ends = new Float64Array(n), scratch = new Float64Array(n);
  const back = new Uint16Array(act.length * n);
  for (let t = 1; t < act.length; t++) {
    for (let j = 0; j < n; j++) {
      phase[j] = phase[j] + 1 === intervals[j] ? 0 : phase[j] + 1;
      ends[j] = score[first[j] + phase[j]];
    }
    newBeats(ends, scratch, band, back, t * n);
    for (let j = 0; j < n; j++) {
      score[first[j] + phase[j]] = ends[j] + windowBonus(t, beatLen[j]);
    }
  }
  // Backtrack from the best final state.
  let best = 0;
  for (let k = 1; k < states; k++) if (score[k] > score[best]) best = k;
  let j = n - 1;
  while (first[j] > best) j--;
  const len = intervals[j];
  let p = (((last - (best - first[j])) % len) + len) % len;
  const inBeat = new Uint8Array(act.length);
  for (let t = last; t >= 0; t--) {
    inBeat[t] = p < beatLen[j] ? 1 : 0;
    if (t === 0) break;
    if (p > 0) p--;
    else (j = back[t * n + j], p = intervals[j] - 1);
  }
  const ranges: [number, number][] = [];
  for (let t = 0; t < act.length; t++) {
    if (inBeat[t] && (t === 0 || !inBeat[t - 1])) ranges.push([t, t]);
    if (inBeat[t]) ranges[ranges.length - 1][1] = t;
  }
  return ranges;
}

/** Share of frames below the level that counts as a full beat peak (beats fill a few percent of frames). */
const PEAK_QUANTILE = 0.97;
/** Below this peak-to-floor span the activation is left as is: nothing stands out to rescale to. */
const MIN_PEAK_SPAN = 0.05;

/**
 * Rescales the activation so its background (the median) maps to 0 and its beat peaks (the top few percent of
 * frames) to 1. The observation model reads the value as a beat probability, so a model whose quiet floor sits
 * well above 0, or whose peaks stay low on an unfamiliar recording, would otherwise bend the tempo decision.
 */
function normalized(act: Float32Array): Float32Array {
  const sorted = Float32Array.from(act).sort();
  const floor = sorted[Math.floor(act.length / 2)];
  const peak = sorted[Math.floor(act.length * PEAK_QUANTILE)];
  if (!(peak - floor > MIN_PEAK_SPAN)) return act;
  return act.map((a) => Math.min(1, Math.max(0, (a - floor) / (peak - floor))));
}

/**
 * [bpm] from the median inter-beat interval. Intervals are measured over spans of up to 4 beats so the
 * one-frame resolution of single intervals does not bias the tempo; 0 for fewer than two beats.
 */
export function medianTempo(beats: number[]): number {
  if (beats.length < 2) return 0;
  const span = Math.min(4, beats.length - 1);
  const gaps = beats.slice(span).map((b, k) => (b - beats[k]) / span).sort((
    x,
    y,
  ) => x - y);
  return 60 / gaps[Math.floor(gaps.length / 2)];
}

/**
 * The accent of each beat: the strongest activation within +-2 frames of the model's `downbeat` column, else of
 * the kick (bars start on the kick far more often than not), else of the beat activation.
 */
function beatAccents(act: Activations, frames: number[]): number[] {
  const col = labelColumn(act, "downbeat") ?? labelColumn(act, "kick") ??
    beatActivation(act);
  return frames.map((f) => {
    let m = 0;
    for (
      let t = Math.max(0, f - 2);
      t <= Math.min(col.length - 1, f + 2);
      t++
    ) m = Math.max(m, col[t]);
    return m;
  });
}

/** Beats per bar the meter search considers, most common first (ties go to the earlier). */
export const BEATS_PER_BAR = [4, 3, 5, 7];
/** How much clearer than four a meter's accents must be to win: most popular music is in four. */
const OTHER_METER_MARGIN = 0.05;

/** Chooses beats per bar and the phase whose first beats carry the most accent over the others. */
export function chooseMeter(
  accents: number[],
): { beatsPerBar: number; phase: number; score: number } {
  let best = { beatsPerBar: 4, phase: 0, score: -Infinity };
  if (accents.length < 8) return best;
  for (const m of BEATS_PER_BAR) {
    for (let phase = 0; phase < m; phase++) {
      let on = 0, nOn = 0, off = 0, nOff = 0;
      accents.forEach((
        a,
        k,
      ) => ((k - phase) % m === 0 ? ((on += a), nOn++) : ((off += a), nOff++)));
      const score = on / nOn - off / nOff;
      if (score > best.score + (m === 4 ? 0 : OTHER_METER_MARGIN)) {
        best = { beatsPerBar: m, phase, score };
      }
    }
  }
  return best;
}

/** Tracks beats, tempo and meter in `act` (frames at `act.fps`). Options in real units (bpm). */
export function trackBeats(
  act: Activations,
  opts: BeatOptions = {},
): BeatResult {
  const o = {
    minBpm: MIN_BPM,
    maxBpm: MAX_BPM,
    transitionLambda: 150,
    beatWindowSec: 0.035,
    neutralActivation: 0.5,
    threshold: 0.3,
    ...opts,
  };
  if (!(o.minBpm > 0 && o.maxBpm > o.minBpm)) {
    throw new RangeError(`bad tempo range ${o.minBpm}-${o.maxBpm} bpm`);
  }
  const full = beatActivation(act);
  // Track only the span with activity, as madmom does: silence before and after would get invented beats.
  let start = 0, end = full.length - 1;
  while (start < full.length && full[start] < o.threshold) start++;
  while (end > start && full[end] < o.threshold) end--;
  if (start >= full.length) {
    return { beats: [], downbeats: [], bpm: 0, timeSignature: [4, 4] };
  }
  const segment = normalized(full.subarray(start, end + 1));
  const frames = viterbiBeatRanges(segment, act.fps, o).map(([a, b]) => {
    let arg = a;
    for (let t = a; t <= b; t++) if (segment[t] > segment[arg]) arg = t;
    return start + arg;
  });
  const beats = frames.map((f) => f / act.fps);
  const bpm = medianTempo(beats);
  if (o.bars && frames.length > 0) {
    const bars = decodeBars(downbeatProbabilities(act, frames, o.bars), o.bars);
    const downbeats = beats.filter((_, k) => bars.positions[k] === 0);
    return {
      beats,
      downbeats,
      bpm,
      timeSignature: [mostCommon(bars.meters), 4],
    };
  }
  const { beatsPerBar, phase } = chooseMeter(beatAccents(act, frames));
  const downbeats = beats.filter((_, k) =>
    k >= phase && (k - phase) % beatsPerBar === 0
  );
  return { beats, downbeats, bpm, timeSignature: [beatsPerBar, 4] };
}

/** The value most beats have (the map holds one time signature; bars of other meters keep their downbeats). */
function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/** Artifact key of the beats stage. */
export function beatsKey(job: Pick<JobMessage, "jobId">): string {
  return `jobs/${job.jobId}/beats.json`;
}

/** The beats stage: `transcribe.act` -> `jobs/{jobId}/beats.json` ({@link BeatResult}). */
export function createBeatsStage(opts: BeatOptions = {}): Stage {
  return {
    name: "beats",
    outputKey: beatsKey,
    async run(ctx) {
      const act = decodeActivations(
        await ctx.store.get(ctx.outputs.transcribe ?? transcribeKey(ctx.job)),
      );
      const result = trackBeats(act, { bars: act.meta.bars, ...opts });
      await ctx.store.put(
        beatsKey(ctx.job),
        new TextEncoder().encode(JSON.stringify(result)),
        "application/json",
      );
      ctx.log.info("tracked beats", {
        beats: result.beats.length,
        bpm: result.bpm,
      });
    },
  };
}

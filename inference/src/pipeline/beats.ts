/**
 * Beats stage: a beat tracker after madmom's DBNBeatTrackingProcessor (Krebs, Böck & Widmer 2015). The hidden
 * state is (beat interval, position inside the beat); the position advances one frame per frame, and at the end
 * of a beat the interval may change with probability exp(-lambda * |ratio - 1|), so the path follows tempo
 * changes. Viterbi decoding over the `beat` activation (or the summed onset activations) gives the beats; the
 * meter (3 or 4 beats per bar) and its phase come from the kick accent on each beat.
 */
import { z } from "zod";
import type { JobMessage } from "../contracts/job_message.ts";
import { decodeActivations, labelColumn } from "./activations_io.ts";
import { transcribeKey } from "./transcribe.ts";
import type { Activations, Stage } from "./types.ts";

/** [bpm] slowest and fastest tempo the tracker considers. */
export const MIN_BPM = 55;
export const MAX_BPM = 215;

export interface BeatOptions {
  /** [bpm] default {@link MIN_BPM} / {@link MAX_BPM}. */
  minBpm?: number;
  maxBpm?: number;
  /** Tempo-change sharpness: higher keeps the tempo steadier, default 100. */
  transitionLambda?: number;
  /** The first 1/observationLambda of each beat period counts as "at a beat", default 16. */
  observationLambda?: number;
  /** Frames before the first / after the last activation above this are not tracked, default 0.3. */
  threshold?: number;
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

/** Viterbi over the (interval, position) space; returns the frames the best path spends in beat states, grouped. */
function viterbiBeatRanges(
  act: Float32Array,
  fps: number,
  o: Required<BeatOptions>,
): [number, number][] {
  const minI = Math.max(1, Math.floor((60 * fps) / o.maxBpm));
  const maxI = Math.ceil((60 * fps) / o.minBpm);
  const intervals = Array.from({ length: maxI - minI + 1 }, (_, k) => minI + k);
  const first = new Int32Array(intervals.length + 1);
  intervals.forEach((len, k) => (first[k + 1] = first[k] + len));
  const states = first[intervals.length];
  // Log transition probabilities between intervals at a beat boundary, rows (from) normalised, stored transposed
  // (logTransT[to * n + from]) so the inner max below walks contiguous memory.
  const n = intervals.length;
  const logTransT = new Float64Array(n * n);
  intervals.forEach((from, i) => {
    const p = intervals.map((to) =>
      Math.exp(-o.transitionLambda * Math.abs(to / from - 1))
    );
    const sum = p.reduce((a, b) => a + b, 0);
    p.forEach((v, j) => (logTransT[j * n + i] = Math.log(v / sum)));
  });
  // Score of each interval's last position (where a beat ends), gathered once per frame.
  const ends = new Float64Array(n);
  const beatLen = intervals.map((len) =>
    Math.max(1, Math.floor(len / o.observationLambda))
  );
  let prev = new Float64Array(states).fill(-Math.log(states));
  let next = new Float64Array(states);
  const back = new Uint16Array(act.length * intervals.length);
  const eps = 1e-7;
  for (let t = 0; t < act.length; t++) {
    const a = Math.min(1 - eps, Math.max(eps, act[t]));
    const [logBeat, logOther] = [
      Math.log(a),
      Math.log((1 - a) / (o.observationLambda - 1)),
    ];
    for (let i = 0; i < n; i++) ends[i] = prev[first[i + 1] - 1];
    for (let j = 0; j < n; j++) {
      let best = -Infinity, arg = 0;
      const row = j * n;
      for (let i = 0; i < n; i++) {
        const v = ends[i] + logTransT[row + i];
        if (v > best) best = v, arg = i;
      }
      back[t * intervals.length + j] = arg;
      const base = first[j];
      next[base] = (t === 0 ? prev[base] : best) + logBeat;
      for (let p = 1; p < intervals[j]; p++) {
        next[base + p] = (t === 0 ? prev[base + p] : prev[base + p - 1]) +
          (p < beatLen[j] ? logBeat : logOther);
      }
    }
    [prev, next] = [next, prev];
  }
  let s = 0;
  for (let k = 1; k < states; k++) if (prev[k] > prev[s]) s = k;
  let j = intervals.length - 1;
  while (first[j] > s) j--;
  let p = s - first[j];
  const inBeat = new Uint8Array(act.length);
  for (let t = act.length - 1; t >= 0; t--) {
    inBeat[t] = p < beatLen[j] ? 1 : 0;
    if (t === 0) break;
    if (p > 0) p--;
    else (j = back[t * intervals.length + j], p = intervals[j] - 1);
  }
  const ranges: [number, number][] = [];
  for (let t = 0; t < act.length; t++) {
    if (inBeat[t] && (t === 0 || !inBeat[t - 1])) ranges.push([t, t]);
    if (inBeat[t]) ranges[ranges.length - 1][1] = t;
  }
  return ranges;
}

/**
 * Rescales the activation so its background (the median) maps to 0. The observation model reads the value as a
 * beat probability; a model whose quiet floor is well above 0 would otherwise make every frame look like a beat.
 */
function aboveFloor(act: Float32Array): Float32Array {
  const floor = Float32Array.from(act).sort()[Math.floor(act.length / 2)];
  if (!(floor < 1)) return act;
  return act.map((a) => Math.max(0, (a - floor) / (1 - floor)));
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

/** The accent of each beat: the strongest kick (else beat) activation within ±2 frames. */
function beatAccents(act: Activations, frames: number[]): number[] {
  const col = labelColumn(act, "kick") ?? beatActivation(act);
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

/** Chooses beats per bar (3 or 4) and the phase whose first beats carry the most accent over the others. */
export function chooseMeter(
  accents: number[],
): { beatsPerBar: 3 | 4; phase: number } {
  let best = { beatsPerBar: 4 as 3 | 4, phase: 0, score: -Infinity };
  if (accents.length < 8) return best;
  for (const m of [4, 3] as const) {
    for (let phase = 0; phase < m; phase++) {
      let on = 0, nOn = 0, off = 0, nOff = 0;
      accents.forEach((
        a,
        k,
      ) => ((k - phase) % m === 0 ? ((on += a), nOn++) : ((off += a), nOff++)));
      const score = on / nOn - off / nOff;
      // Prefer 4/4 unless 3/4 is clearly better: most popular music is in four.
      if (score > best.score + (m === 3 ? 0.05 : 0)) {
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
    transitionLambda: 100,
    observationLambda: 16,
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
  const segment = aboveFloor(full.subarray(start, end + 1));
  const frames = viterbiBeatRanges(segment, act.fps, o).map(([a, b]) => {
    let arg = a;
    for (let t = a; t <= b; t++) if (segment[t] > segment[arg]) arg = t;
    return start + arg;
  });
  const beats = frames.map((f) => f / act.fps);
  const bpm = medianTempo(beats);
  const { beatsPerBar, phase } = chooseMeter(beatAccents(act, frames));
  const downbeats = beats.filter((_, k) =>
    k >= phase && (k - phase) % beatsPerBar === 0
  );
  return { beats, downbeats, bpm, timeSignature: [beatsPerBar, 4] };
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
      const result = trackBeats(act, opts);
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

/**
 * Scores the TypeScript pipeline (transcribe -> beats -> quantize, the code the CLI and the job runner use) against
 * ground truth: per-lane onset F-measure (+-50 ms, pooled over tracks), hi-hat with its three lanes merged, beat
 * and downbeat F-measure (+-70 ms, mean over tracks), tempo Acc1/Acc2. Also tunes per-lane peak thresholds.
 */
import { HIHAT_LANES, LANES } from "../contracts/bsm.ts";
import { labelColumn } from "../pipeline/activations_io.ts";
import type { BarModel } from "../pipeline/bars.ts";
import { barGrid } from "../pipeline/beat_grid.ts";
import { MAX_BPM, MIN_BPM, trackBeats } from "../pipeline/beats.ts";
import type { NoteFilter } from "../pipeline/note_filter.ts";
import { pickPeaks } from "../pipeline/peaks.ts";
import {
  lanePeaksFromThresholds,
  quantizeNotes,
} from "../pipeline/quantize.ts";
import type { Activations } from "../pipeline/types.ts";
import type { TrackTruth } from "./dataset.ts";
import { falseOnsetCauses, missCauses, sumCauses } from "./error_causes.ts";
import {
  addCounts,
  beatFMeasure,
  type Counts,
  matchEvents,
  matchWithExtras,
  ONSET_TOLERANCE_SEC,
  prf,
  tempoAccuracy,
  tempoOfBeats,
} from "./metrics.ts";

/** Reference notes quieter than this velocity count as ghost notes in the report. */
export const GHOST_VELOCITY = 50;
/** A ghost note whose audibility (the largest change of any log-mel band it makes near it,
 * `inference/training/data/audibility.py`) is below this is not in the audio: about 1 dB in one band. */
export const AUDIBLE_CHANGE = 0.05;
/** Per-lane peak thresholds (activation 0..1), as stored in a manifest entry's `thresholds`. */
export type Thresholds = Record<string, number>;

export interface TrackScore {
  id: string;
  /** lane (and "hihat_all") -> counts */
  counts: Record<string, Counts>;
  /** lane -> matches of the detections against the quiet references only (velocity < {@link GHOST_VELOCITY});
   * only tp and fn mean something here (recall of ghost notes). */
  ghosts: Record<string, Counts>;
  /** lane -> counts with ghost notes as don't-care: only the louder references count, and a detection on a
   * ghost note is neither a hit nor a false positive (what is scored if inaudible ghost notes are left out). */
  withoutGhosts: Record<string, Counts>;
  /** lane -> counts with only the inaudible ghost notes (audibility < {@link AUDIBLE_CHANGE}) as don't-care */
  withoutInaudible: Record<string, Counts>;
  /** lane -> ghost notes whose audibility the set measured, and how many of them are inaudible */
  audibility: Record<string, { measured: number; inaudible: number }>;
  /** lane -> what sounded at each false positive: {@link falseOnsetCauses} */
  falseOnsets: Record<string, Record<string, number>>;
  /** lane -> where each missed stroke was lost: {@link missCauses} */
  misses: Record<string, Record<string, number>>;
  beatF: number;
  downbeatF: number;
  /** [bpm] */
  tempo: { estimate: number; reference: number; acc1: boolean; acc2: boolean };
  /** The song's meter as written ("6/8"), its beats per bar (a 6/8 bar has two dotted-quarter beats) and the
   * beats per bar of the map's time signature. */
  meter: { name: string; beatsPerBar: number; detected: number };
}

/** Matches detections to the references that count; of the detections left over, those on a don't-care
 * reference are dropped (neither hit nor false positive). */
function withDontCare(
  detections: number[],
  counted: number[],
  dontCare: number[],
): Counts {
  const { counts, extras } = matchWithExtras(
    detections,
    counted,
    ONSET_TOLERANCE_SEC,
  );
  const onDontCare = matchEvents(extras, dontCare, ONSET_TOLERANCE_SEC).tp;
  return { ...counts, fp: counts.fp - onDontCare };
}

/** What a model carries for picking notes and bars: its tuned thresholds and fitted stages. */
export interface ModelPicking {
  thresholds?: Thresholds;
  bars?: BarModel;
  noteFilter?: NoteFilter;
}

/** Scores one track's activations with the pipeline's beat tracker and note picker. */
export function scoreTrack(
  act: Activations,
  truth: TrackTruth,
  { thresholds = {}, bars, noteFilter }: ModelPicking = {},
): TrackScore {
  const beats = trackBeats(act, { bars });
  const picking = {
    lanePeaks: lanePeaksFromThresholds(thresholds),
    noteFilter,
  };
  const { notes } = quantizeNotes(act, beats.beats, {
    ...picking,
    downbeats: beats.downbeats,
  });
  const grid = noteFilter ? barGrid(beats.beats, beats.downbeats) : null;
  const counts: Record<string, Counts> = {},
    ghosts: Record<string, Counts> = {},
    withoutGhosts: Record<string, Counts> = {},
    withoutInaudible: Record<string, Counts> = {},
    audibility: TrackScore["audibility"] = {},
    falseOnsets: Record<string, Record<string, number>> = {};
  const times = (
    list: { time: number; lane: string }[],
    lanes: readonly string[],
  ) => list.filter((n) => lanes.includes(n.lane)).map((n) => n.time);
  const quiet = truth.notes.filter((n) => n.velocity < GHOST_VELOCITY);
  const loud = truth.notes.filter((n) => n.velocity >= GHOST_VELOCITY);
  const isInaudible = (n: TrackTruth["notes"][number]) =>
    n.velocity < GHOST_VELOCITY && n.audibility !== undefined &&
    n.audibility < AUDIBLE_CHANGE;
  const inaudible = truth.notes.filter(isInaudible);
  const heard = truth.notes.filter((n) => !isInaudible(n));
  for (const lane of LANES) {
    const detected = times(notes, [lane]);
    const { counts: laneCounts, extras } = matchWithExtras(
      detected,
      times(truth.notes, [lane]),
      ONSET_TOLERANCE_SEC,
    );
    counts[lane] = laneCounts;
    falseOnsets[lane] = falseOnsetCauses(extras, truth.notes);
    ghosts[lane] = matchEvents(
      detected,
      times(quiet, [lane]),
      ONSET_TOLERANCE_SEC,
    );
    withoutGhosts[lane] = withDontCare(
      detected,
      times(loud, [lane]),
      times(quiet, [lane]),
    );
    withoutInaudible[lane] = withDontCare(
      detected,
      times(heard, [lane]),
      times(inaudible, [lane]),
    );
    audibility[lane] = {
      measured: quiet.filter((n) =>
        n.lane === lane && n.audibility !== undefined
      ).length,
      inaudible: times(inaudible, [lane]).length,
    };
  }
  const hats = times(notes, HIHAT_LANES);
  counts.hihat_all = matchEvents(
    hats,
    times(truth.notes, HIHAT_LANES),
    ONSET_TOLERANCE_SEC,
  );
  withoutGhosts.hihat_all = withDontCare(
    hats,
    times(loud, HIHAT_LANES),
    times(quiet, HIHAT_LANES),
  );
  withoutInaudible.hihat_all = withDontCare(
    hats,
    times(heard, HIHAT_LANES),
    times(inaudible, HIHAT_LANES),
  );
  audibility.hihat_all = HIHAT_LANES.reduce((sum, l) => ({
    measured: sum.measured + audibility[l].measured,
    inaudible: sum.inaudible + audibility[l].inaudible,
  }), { measured: 0, inaudible: 0 });
  const reference = tempoOfBeats(truth.beats);
  return {
    id: truth.id,
    counts,
    ghosts,
    withoutGhosts,
    withoutInaudible,
    audibility,
    falseOnsets,
    misses: missCauses(act, truth, notes, picking, grid, GHOST_VELOCITY),
    beatF: beatFMeasure(beats.beats, truth.beats),
    downbeatF: beatFMeasure(beats.downbeats, truth.downbeats),
    tempo: {
      estimate: beats.bpm,
      reference,
      ...tempoAccuracy(beats.bpm, reference),
    },
    meter: {
      name: truth.meter,
      beatsPerBar: beatsPerBar(truth.beats, truth.downbeats),
      detected: beats.timeSignature[0],
    },
  };
}

/** The most common number of `beats` from one downbeat to the next (0 with fewer than two downbeats). */
export function beatsPerBar(
  beats: readonly number[],
  downbeats: readonly number[],
): number {
  const tally = new Map<number, number>();
  for (let i = 0; i + 1 < downbeats.length; i++) {
    const n = beats.filter((b) => b >= downbeats[i] && b < downbeats[i + 1])
      .length;
    tally.set(n, (tally.get(n) ?? 0) + 1);
  }
  let best = 0, most = 0;
  for (const [n, count] of tally) if (count > most) [best, most] = [n, count];
  return best;
}

export interface Report {
  tracks: number;
  /** lane (and "hihat_all") -> pooled precision / recall / F and reference count */
  lanes: Record<
    string,
    {
      precision: number;
      recall: number;
      f: number;
      support: number;
      ghosts: number;
      ghostRecall: number;
      /** F-measure with ghost notes as don't-care ({@link TrackScore.withoutGhosts}) */
      fWithoutGhosts: number;
      /** ghost notes that are not in the audio (audibility < {@link AUDIBLE_CHANGE}) */
      inaudible: number;
      /** F-measure with those as don't-care ({@link TrackScore.withoutInaudible}); null where the set measured
       * no ghost note's audibility (a set rendered before it did) */
      fWithoutInaudible: number | null;
    }
  >;
  /** lane -> false positives by what sounded there (TrackScore.falseOnsets summed over tracks) */
  falseOnsets: Record<string, Record<string, number>>;
  /** lane -> missed strokes by where they were lost (TrackScore.misses summed over tracks) */
  misses: Record<string, Record<string, number>>;
  beatF: number;
  downbeatF: number;
  acc1: number;
  acc2: number;
  /** Acc1 over the tracks whose reference tempo lies inside the beat tracker's range (MIN_BPM..MAX_BPM), and their count. */
  acc1InRange: number;
  tracksInRange: number;
  /** Per written meter ("4/4", "6/8"): its tracks and those whose map has the right beats per bar. */
  meters: Record<string, { tracks: number; right: number }>;
}

/** A lane's inaudible ghost notes and its F with them as don't-care, pooled over tracks. */
function pooledAudibility(scores: TrackScore[], lane: string) {
  let measured = 0, inaudible = 0, counts: Counts = { tp: 0, fp: 0, fn: 0 };
  for (const s of scores) {
    const a = s.audibility[lane] ?? { measured: 0, inaudible: 0 };
    measured += a.measured;
    inaudible += a.inaudible;
    counts = addCounts(
      counts,
      s.withoutInaudible[lane] ?? { tp: 0, fp: 0, fn: 0 },
    );
  }
  return { inaudible, fWithoutInaudible: measured > 0 ? prf(counts).f : null };
}

/** Pools lane counts over tracks; beat figures are means over tracks. */
export function summarize(scores: TrackScore[]): Report {
  if (scores.length === 0) throw new RangeError("no tracks to summarize");
  const lanes: Report["lanes"] = {};
  const pool = (lane: string, of: (s: TrackScore) => Record<string, Counts>) =>
    scores.reduce(
      (acc, s) => addCounts(acc, of(s)[lane] ?? { tp: 0, fp: 0, fn: 0 }),
      { tp: 0, fp: 0, fn: 0 },
    );
  for (const lane of [...LANES, "hihat_all"]) {
    const c = pool(lane, (s) => s.counts);
    const g = pool(lane, (s) => s.ghosts);
    lanes[lane] = {
      ...prf(c),
      support: c.tp + c.fn,
      ghosts: g.tp + g.fn,
      ghostRecall: g.tp / Math.max(1, g.tp + g.fn),
      fWithoutGhosts: prf(pool(lane, (s) => s.withoutGhosts)).f,
      ...pooledAudibility(scores, lane),
    };
  }
  const mean = (f: (s: TrackScore) => number, of = scores) =>
    of.reduce((a, s) => a + f(s), 0) / Math.max(1, of.length);
  const inRange = scores.filter((s) =>
    s.tempo.reference >= MIN_BPM && s.tempo.reference <= MAX_BPM
  );
  return {
    tracks: scores.length,
    lanes,
    falseOnsets: sumCauses(scores.map((s) => s.falseOnsets)),
    misses: sumCauses(scores.map((s) => s.misses)),
    beatF: mean((s) => s.beatF),
    downbeatF: mean((s) => s.downbeatF),
    acc1: mean((s) => Number(s.tempo.acc1)),
    acc2: mean((s) => Number(s.tempo.acc2)),
    acc1InRange: mean((s) => Number(s.tempo.acc1), inRange),
    tracksInRange: inRange.length,
    meters: meterTally(scores),
  };
}

function meterTally(scores: TrackScore[]): Report["meters"] {
  const out: Report["meters"] = {};
  for (const { meter } of scores) {
    const m = out[meter.name] ??= { tracks: 0, right: 0 };
    m.tracks++;
    if (meter.detected === meter.beatsPerBar) m.right++;
  }
  return out;
}

/** One report per drum source (the kit or soundfont preset a track was played with): where the errors are. */
export function summarizeBySource(
  scores: TrackScore[],
  truths: readonly Pick<TrackTruth, "source">[],
): Record<string, Report> {
  const groups = new Map<string, TrackScore[]>();
  scores.forEach((s, i) => {
    const group = groups.get(truths[i].source) ?? [];
    group.push(s);
    groups.set(truths[i].source, group);
  });
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => a.localeCompare(b)).map((
      [source, group],
    ) => [source, summarize(group)]),
  );
}

/** Candidate thresholds tried by {@link tuneThresholds}. */
export const THRESHOLD_GRID = Array.from(
  { length: 19 },
  (_, i) => Math.round((0.05 + i * 0.05) * 100) / 100,
);

/**
 * Per lane, the peak threshold that maximises the pooled onset F-measure over `tracks` (use a validation split,
 * never the test kits). Lanes with no reference onsets keep no entry, so they fall back to the default.
 */
export function tuneThresholds(
  tracks: { act: Activations; truth: TrackTruth }[],
  grid: number[] = THRESHOLD_GRID,
): Thresholds {
  const out: Thresholds = {};
  for (const lane of LANES) {
    const refs = tracks.map((t) =>
      t.truth.notes.filter((n) => n.lane === lane).map((n) => n.time)
    );
    if (refs.every((r) => r.length === 0)) continue;
    const columns = tracks.map((t) => labelColumn(t.act, lane));
    if (columns.some((c) => !c)) continue;
    let best = { f: -1, threshold: 0.5 };
    for (const threshold of grid) {
      let c: Counts = { tp: 0, fp: 0, fn: 0 };
      tracks.forEach((t, i) => {
        const det = pickPeaks(columns[i]!, t.act.fps, { threshold }).map((p) =>
          p.time
        );
        c = addCounts(c, matchEvents(det, refs[i], ONSET_TOLERANCE_SEC));
      });
      const f = prf(c).f;
      if (f > best.f) best = { f, threshold };
    }
    out[lane] = best.threshold;
  }
  return out;
}

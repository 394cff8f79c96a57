/**
 * Quantize stage: per-lane onsets (peaks.ts) snapped to the beat grid. Each beat chooses straight 16ths or
 * 8th-note triplets, whichever fits its notes better; the raw detected `time` is kept and `quantizedTime`,
 * `beat` (fractional beat index) and `dynamic` are added. Swing is reported from where the off-beats fall.
 */
import { z } from "zod";
import { HIHAT_LANES } from "../contracts/bsm.ts";
import type { JobMessage } from "../contracts/job_message.ts";
import {
  type ActivationsMeta,
  decodeActivations,
  labelColumn,
} from "./activations_io.ts";
import { type BarGrid, barGrid, beatPosition, beatTime } from "./beat_grid.ts";
import { beatResultSchema, beatsKey } from "./beats.ts";
import { filterPeaks, type NoteFilter } from "./note_filter.ts";
import {
  type Peak,
  PEAK_DEFAULTS,
  type PeakOptions,
  pickPeaks,
} from "./peaks.ts";
import { transcribeKey } from "./transcribe.ts";
import type { Activations, Stage } from "./types.ts";

/** Labels that describe the rhythm, not a drum lane. */
const NON_LANES = new Set(["beat", "downbeat"]);

export type Dynamic = "ghost" | "normal" | "accent";

export interface QuantizedNote {
  /** [seconds] the detected onset time. */
  time: number;
  lane: string;
  /** 1..127 from the peak strength. */
  velocity: number;
  /** [seconds] the time snapped to the grid (equal to `time` without a beat grid). */
  quantizedTime: number;
  /** Fractional beat index of the snapped position (0 = first beat); null without a beat grid. */
  beat: number | null;
  /** Relative to the lane's median velocity: < 0.65x ghost, > 1.15x accent. */
  dynamic: Dynamic;
}

export interface Swing {
  /** Long/short ratio of swung 8ths: 1 straight, 2 triplet swing. */
  ratio: number;
  swung: boolean;
}

export interface QuantizeResult {
  notes: QuantizedNote[];
  /** Null when too few off-beat notes to tell. */
  swing: Swing | null;
}

export interface QuantizeOptions {
  /** Peak picking for every lane, and per-lane overrides. */
  peaks?: PeakOptions;
  lanePeaks?: Record<string, PeakOptions>;
  /** The model's note filter: its lanes are picked at its floor, then each peak is kept or dropped by it. */
  noteFilter?: NoteFilter;
  /** [seconds] the tracked downbeats: with the beats they place the bars the note filter compares. */
  downbeats?: readonly number[];
}

const snap = (frac: number, div: number) => Math.round(frac * div) / div;

/** Per beat, the subdivision (4 = 16ths, 3 = triplets) with the smaller squared snapping error; ties are straight. */
function chooseGrids(positions: number[]): Map<number, number> {
  const err = new Map<number, [number, number]>();
  for (const pos of positions) {
    const k = Math.floor(pos), frac = pos - k;
    const e = err.get(k) ?? [0, 0];
    e[0] += (frac - snap(frac, 4)) ** 2;
    e[1] += (frac - snap(frac, 3)) ** 2;
    err.set(k, e);
  }
  return new Map(
    [...err].map((
      [k, [straight, triplet]],
    ) => [k, triplet < straight - 1e-6 ? 3 : 4]),
  );
}

/** Swing from the off-beat notes (beat fractions 0.4..0.72): the median position as a long/short ratio. */
export function detectSwing(positions: number[]): Swing | null {
  const offbeats = positions.map((p) => p - Math.floor(p)).filter((f) =>
    f > 0.4 && f < 0.72
  ).sort((a, b) => a - b);
  if (offbeats.length < 4) return null;
  const median = offbeats[Math.floor(offbeats.length / 2)];
  const ratio = median / (1 - median);
  return { ratio: Math.round(ratio * 100) / 100, swung: ratio > 1.2 };
}

function dynamics(velocities: number[]): Dynamic[] {
  const median =
    [...velocities].sort((a, b) => a - b)[Math.floor(velocities.length / 2)];
  return velocities.map((
    v,
  ) => (v < 0.65 * median ? "ghost" : v > 1.15 * median ? "accent" : "normal"));
}

/** Notes of every drum lane in `act`, snapped to `beats` [seconds]; sorted by time, then lane. */
export function quantizeNotes(
  act: Activations,
  beats: readonly number[],
  opts: QuantizeOptions = {},
): QuantizeResult {
  const raw: Omit<QuantizedNote, "quantizedTime" | "beat">[] = [];
  const grid = opts.noteFilter ? barGrid(beats, opts.downbeats ?? []) : null;
  for (const lane of act.labels.filter((l) => !NON_LANES.has(l))) {
    const peaks = pickLane(act, lane, opts, grid).kept;
    const velocities = peaks.map((p) =>
      Math.max(1, Math.min(127, Math.round(p.strength * 127)))
    );
    const dyn = dynamics(velocities);
    peaks.forEach((p, i) =>
      raw.push({
        time: round(p.time),
        lane,
        velocity: velocities[i],
        dynamic: dyn[i],
      })
    );
  }
  raw.sort((a, b) => a.time - b.time || a.lane.localeCompare(b.lane));
  oneHiHatAtATime(raw);
  if (beats.length < 2) {
    return {
      notes: raw.map((n) => ({ ...n, quantizedTime: n.time, beat: null })),
      swing: null,
    };
  }
  const positions = raw.map((n) => beatPosition(beats, n.time));
  const grids = chooseGrids(positions);
  const notes = raw.map((n, i) => {
    const k = Math.floor(positions[i]);
    const beat = k + snap(positions[i] - k, grids.get(k) ?? 4);
    return {
      ...n,
      quantizedTime: round(Math.max(0, beatTime(beats, beat))),
      beat: Math.round(beat * 1e6) / 1e6,
    };
  });
  return { notes, swing: detectSwing(positions) };
}

/**
 * One lane's peaks: `candidates` as picked (at the note filter's floor where it filters the lane), `kept` those the
 * filter keeps (all of them otherwise), and `threshold` the activation a candidate had to reach.
 */
export function pickLane(
  act: Activations,
  lane: string,
  opts: Pick<QuantizeOptions, "peaks" | "lanePeaks" | "noteFilter">,
  grid: BarGrid | null,
): { candidates: Peak[]; kept: Peak[]; threshold: number } {
  const filter = opts.noteFilter?.lanes[lane] ? opts.noteFilter : undefined;
  const peakOptions = {
    ...PEAK_DEFAULTS,
    ...opts.peaks,
    ...opts.lanePeaks?.[lane],
    ...(filter ? { threshold: filter.floor } : {}),
  };
  const candidates = pickPeaks(labelColumn(act, lane)!, act.fps, peakOptions);
  return {
    candidates,
    kept: filter
      ? filterPeaks(act, lane, candidates, filter, grid)
      : candidates,
    threshold: peakOptions.threshold,
  };
}

/** [seconds] hi-hat notes closer than this are one stroke. */
const HIHAT_STROKE_SEC = 0.03;

/**
 * A hi-hat is closed, open or pedalled, never two at once: of hi-hat notes in different lanes closer than
 * {@link HIHAT_STROKE_SEC}, only the strongest stays (the model often hesitates between closed and open). `notes`
 * is sorted by time and edited in place.
 */
function oneHiHatAtATime(
  notes: { time: number; lane: string; velocity: number }[],
): void {
  let kept = -1;
  for (let i = 0; i < notes.length; i++) {
    if (!HIHAT_LANES.includes(notes[i].lane)) continue;
    const prev = kept >= 0 ? notes[kept] : null;
    if (
      prev && prev.lane !== notes[i].lane &&
      notes[i].time - prev.time < HIHAT_STROKE_SEC
    ) {
      if (notes[i].velocity > prev.velocity) {
        notes.splice(kept, 1);
        i--;
        kept = i;
      } else {
        notes.splice(i, 1);
        i--;
      }
      continue;
    }
    kept = i;
  }
}

/** Rounds seconds to 0.1 ms so artifacts stay small and stable. */
function round(sec: number): number {
  return Math.round(sec * 1e4) / 1e4;
}

export const quantizedNoteSchema = z.object({
  time: z.number().nonnegative(),
  lane: z.string().min(1),
  velocity: z.number().int().min(1).max(127),
  quantizedTime: z.number().nonnegative(),
  beat: z.number().nullable(),
  dynamic: z.enum(["ghost", "normal", "accent"]),
});

/** The quantize artifact: notes plus what the package stage needs to describe the map. */
export const quantizeArtifactSchema = z.object({
  notes: z.array(quantizedNoteSchema),
  swing: z.object({ ratio: z.number(), swung: z.boolean() }).nullable(),
  durationSec: z.number().positive(),
  model: z.object({ name: z.string().min(1), version: z.string().min(1) }),
});
export type QuantizeArtifact = QuantizeResult & ActivationsMeta;

/** Artifact key of the quantize stage. */
export function quantizeKey(job: Pick<JobMessage, "jobId">): string {
  return `jobs/${job.jobId}/quantize.json`;
}

/** Per-lane peak options from a model's tuned thresholds (ModelEntry.thresholds), as `lanePeaks` takes them. */
export function lanePeaksFromThresholds(
  thresholds: Record<string, number> = {},
): Record<string, PeakOptions> {
  return Object.fromEntries(
    Object.entries(thresholds).map((
      [lane, threshold],
    ) => [lane, { threshold }]),
  );
}

/**
 * The quantize stage: `transcribe.act` + `beats.json` -> `jobs/{jobId}/quantize.json`, picking each lane with the
 * model's tuned threshold and note filter (carried in the activations' meta); `opts` overrides them.
 */
export function createQuantizeStage(opts: QuantizeOptions = {}): Stage {
  return {
    name: "quantize",
    outputKey: quantizeKey,
    async run(ctx) {
      const act = decodeActivations(
        await ctx.store.get(ctx.outputs.transcribe ?? transcribeKey(ctx.job)),
      );
      const beatsJson = new TextDecoder().decode(
        await ctx.store.get(ctx.outputs.beats ?? beatsKey(ctx.job)),
      );
      const { beats, downbeats } = beatResultSchema.parse(
        JSON.parse(beatsJson),
      );
      const lanePeaks = {
        ...lanePeaksFromThresholds(act.meta.thresholds),
        ...opts.lanePeaks,
      };
      const artifact: QuantizeArtifact = {
        ...quantizeNotes(act, beats, {
          noteFilter: act.meta.noteFilter,
          downbeats,
          ...opts,
          lanePeaks,
        }),
        ...act.meta,
      };
      await ctx.store.put(
        quantizeKey(ctx.job),
        new TextEncoder().encode(JSON.stringify(artifact)),
        "application/json",
      );
      ctx.log.info("quantized notes", {
        notes: artifact.notes.length,
        swing: artifact.swing?.ratio ?? null,
      });
    },
  };
}

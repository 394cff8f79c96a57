/**
 * The evaluation sets written by `inference/training/data/make_dataset.py`: a folder with `index.json`, and per
 * track `NNNN.wav` (22050 Hz mono) and `NNNN.json` (ground truth). A missing set is rendered by calling the Python
 * generator with the same fixed seeds as `inference/training/run.sh`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** `inference/training/`, where the recipe and its cache live. */
export const TRAINING_DIR = fileURLToPath(
  new URL("../../training/", import.meta.url),
);

/** The held-out splits and how run.sh makes them: [seed, default track count]. */
/**
 * [seed, default tracks] per split; `bars` (training kits) is what the downbeat stage is fitted on; `testv` is the
 * test set's tracks with a held-out voice over every band (data/speech.py).
 */
export const SPLITS = {
  val: [2, 48],
  test: [3, 64],
  testv: [3, 64],
  bars: [6, 600],
} as const;
export type Split = keyof typeof SPLITS;

const noteSchema = z.object({
  time: z.number().nonnegative(),
  lane: z.string().min(1),
  velocity: z.number(),
  /** ghost notes of the test set only: the largest log-mel change the note makes near it (data/audibility.py) */
  audibility: z.number().nonnegative().optional(),
});
export const truthSchema = z.object({
  id: z.string().min(1),
  style: z.string(),
  meter: z.string(),
  /** [bpm] the performance's nominal tempo (after any time-stretch augmentation). */
  bpm: z.number().positive(),
  source: z.string(),
  accompaniment: z.string().nullable(),
  durationSec: z.number().positive(),
  notes: z.array(noteSchema),
  beats: z.array(z.number()),
  downbeats: z.array(z.number()),
});
export type TrackTruth = z.infer<typeof truthSchema>;

const indexSchema = z.object({
  split: z.string(),
  seed: z.number().int(),
  tracks: z.array(z.looseObject({ id: z.string().min(1) })).min(1),
});

/** One track of a set: its audio file and ground truth. */
export interface EvalTrack {
  wavPath: string;
  truth: TrackTruth;
}

/**
 * The folder of `split` under the training cache; a set of other than the default size has its own folder
 * (`test-256`), so the default set is never re-rendered or mixed with a larger one.
 */
export function splitDir(split: Split, tracks?: number): string {
  const sized = tracks === undefined || tracks === SPLITS[split][1]
    ? split
    : `${split}-${tracks}`;
  return `${TRAINING_DIR}.cache/data/${sized}`;
}

/**
 * `--tracks` as a track count. The generator draws each track from its own seed, so a set of N tracks holds the
 * default set's tracks first and N minus those after them: a larger set extends the default one.
 */
export function parseTrackCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `--tracks must be a whole number of tracks (1 or more), got ${value}`,
    );
  }
  return n;
}

/** Renders `split` with the Python generator (minutes for the default sizes); throws with its stderr on failure. */
export function renderSplit(
  split: Split,
  dir = splitDir(split),
  tracks?: number,
): void {
  const [seed, defaultTracks] = SPLITS[split];
  const n = tracks ??
    Number(process.env[`${split.toUpperCase()}_TRACKS`] ?? defaultTracks);
  const python = process.env.PYTHON ?? "/usr/bin/python3";
  console.error(
    `rendering the ${split} set (${n} tracks, seed ${seed}) into ${dir} ...`,
  );
  const res = spawnSync(python, [
    "-m",
    "data.make_dataset",
    split,
    String(n),
    String(seed),
    dir,
    "24",
  ], {
    cwd: TRAINING_DIR,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (res.status !== 0) {
    throw new Error(
      `rendering the ${split} set failed (exit ${res.status}); run inference/training/run.sh once to install its packages`,
    );
  }
}

/** Loads the set in `dir`, rendering it first (`tracks` of it) when `render` is set and the folder has no index. */
export async function loadSet(
  dir: string,
  opts: { render?: Split; tracks?: number } = {},
): Promise<EvalTrack[]> {
  if (!existsSync(`${dir}/index.json`)) {
    if (!opts.render) {
      throw new Error(`No evaluation set in ${dir} (index.json missing)`);
    }
    renderSplit(opts.render, dir, opts.tracks);
  }
  const index = indexSchema.parse(
    JSON.parse(await readFile(`${dir}/index.json`, "utf8")),
  );
  return Promise.all(index.tracks.map(async ({ id }) => ({
    wavPath: `${dir}/${id}.wav`,
    truth: truthSchema.parse(
      JSON.parse(await readFile(`${dir}/${id}.json`, "utf8")),
    ),
  })));
}

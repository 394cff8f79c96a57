/**
 * `deno task eval:transcription [options]`: scores the transcription pipeline on the held-out synthetic set (kits
 * and soundfonts training never saw, see inference/training/data/sources.py), rendering it first when missing:
 * F-measure per lane at +-50 ms, beat and downbeat F at +-70 ms, tempo Acc1/Acc2, and how many maps got their
 * song's meter (beats per bar) right, per written meter.
 *
 * Options:
 *   --model NAME      model to score (default: the manifest's default)
 *   --baseline NAME   also score NAME and compare (with each figure's difference and its 95 % interval from a
 *                     paired bootstrap over the tracks: bootstrap.ts)
 *   --tune            first tune --model's per-lane peak thresholds on the validation split (training kits,
 *                     other seeds) and store them in its manifest entry
 *   --fit-bars        first fit --model's downbeat stage on the `bars` split (training kits, another seed;
 *                     rendered when missing) and store it next to the model (`<model>.bars.json`)
 *   --fit-notes       first fit --model's note filter on the `bars` split, its thresholds on the validation
 *                     split (after --tune when given), and store it next to the model (`<model>.notes.json`;
 *                     removed when no lane gains on validation)
 *   --promote         make --model the manifest default when it beats --baseline (mean F of kick, snare,
 *                     hi-hat (all) and beats)
 *   --split test|val|testv  which set to score (default test; testv: the test set's tracks with a
 *                     held-out voice over every band, data/speech.py)
 *   --tracks N        score the split's first N tracks (rendered into their own folder, `test-256`, once; the
 *                     default set is the first 64): more tracks narrow the intervals (256 test tracks: 3 min
 *                     to render, under 1 min per model to score on this 2-core machine)
 *   --dir DIR         score the set in DIR instead
 *   --by-source       also print each model's figures per drum source (kit / soundfont preset)
 *   --false-onsets    also print, per lane, what sounded where the model put a false onset (the true lanes
 *                     within +-50 ms: a kick on a snare stroke shows as "snare"); the JSON always has them;
 *                     with --by-source, per source as well
 *   --misses          also print, per lane, where its missed strokes were lost: the activation never reached the
 *                     threshold, the note filter rejected the peak, no peak of its own, another hi-hat lane's
 *                     note won, a note nearby went to another stroke (ghost notes apart); the JSON always has them
 *   --json FILE       also write the reports (overall and per source) and the comparison as JSON
 * Env: MODEL_DIR (models folder, default inference/models), PYTHON, VAL_TRACKS / TEST_TRACKS / BARS_TRACKS
 * (render sizes).
 */
import { writeFile } from "node:fs/promises";
import process from "node:process";
import { parseArgs } from "node:util";
import { barGrid } from "../pipeline/beat_grid.ts";
import { trackBeats } from "../pipeline/beats.ts";
import { DECODE_SAMPLE_RATE, decodeAudio } from "../pipeline/decode.ts";
import {
  DEFAULT_MODEL_DIR,
  loadTranscriber,
  type Transcriber,
} from "../pipeline/transcribe.ts";
import type { Activations } from "../pipeline/types.ts";
import {
  type EvalTrack,
  loadSet,
  parseTrackCount,
  type Split,
  splitDir,
} from "./dataset.ts";
import { LANES } from "../contracts/bsm.ts";
import {
  type Compared,
  formatPaired,
  pairedBootstrap,
  type PairedInterval,
} from "./bootstrap.ts";
import {
  type Report,
  scoreTrack,
  summarize,
  summarizeBySource,
  type TrackScore,
  tuneThresholds,
} from "./evaluate.ts";
import {
  formatFalseOnsets,
  formatFalseOnsetsBySource,
  formatMisses,
  formatReport,
  formatSourceTable,
} from "./report_format.ts";
import {
  readManifest,
  readThresholds,
  setDefaultModel,
  writeFitted,
  writeThresholds,
} from "./manifest_io.ts";
import { fitBarModel } from "./fit_bars.ts";
import { fitNoteFilter, type LabelledTrack } from "./fit_notes.ts";

/** Activations of every track of a set with one model (decode -> front end -> ONNX, as in production). */
export async function activationsOf(
  t: Transcriber,
  tracks: EvalTrack[],
): Promise<Activations[]> {
  const out: Activations[] = [];
  for (const track of tracks) {
    const { samples, sampleRate } = await decodeAudio(track.wavPath, {
      sampleRate: DECODE_SAMPLE_RATE,
    });
    out.push(await t.transcribe(samples, sampleRate));
  }
  return out;
}

/** The figure --promote compares: mean F of kick, snare, hi-hat (all) and beats. */
export function headline(r: Report): number {
  return (r.lanes.kick.f + r.lanes.snare.f + r.lanes.hihat_all.f + r.beatF) / 4;
}

async function scoreModel(
  modelDir: string,
  name: string,
  tracks: EvalTrack[],
): Promise<
  { report: Report; bySource: Record<string, Report>; scores: TrackScore[] }
> {
  const t = await loadTranscriber({ modelDir, modelName: name });
  const thresholds = await readThresholds(modelDir, name);
  const acts = await activationsOf(t, tracks);
  const scores = acts.map((act, i) =>
    scoreTrack(act, tracks[i].truth, {
      thresholds,
      bars: t.bars,
      noteFilter: t.noteFilter,
    })
  );
  return {
    report: summarize(scores),
    bySource: summarizeBySource(scores, tracks.map((x) => x.truth)),
    scores,
  };
}

/** The splits `--split` may score: the held-out sets and validation (not `bars`, which the fits are made on). */
const SCORED_SPLITS: readonly Split[] = ["test", "testv", "val"];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      baseline: { type: "string" },
      tune: { type: "boolean", default: false },
      "fit-bars": { type: "boolean", default: false },
      "fit-notes": { type: "boolean", default: false },
      "by-source": { type: "boolean", default: false },
      "false-onsets": { type: "boolean", default: false },
      misses: { type: "boolean", default: false },
      promote: { type: "boolean", default: false },
      split: { type: "string", default: "test" },
      dir: { type: "string" },
      tracks: { type: "string" },
      json: { type: "string" },
    },
  });
  if (!SCORED_SPLITS.includes(values.split as Split)) {
    throw new Error(
      `--split must be one of ${SCORED_SPLITS.join(", ")}, got ${values.split}`,
    );
  }
  if (values.tracks !== undefined && values.dir) {
    throw new Error(
      "--tracks picks a set of the split; --dir names one: give one of them",
    );
  }
  if (values.promote && !values.baseline) {
    throw new Error("--promote needs --baseline to compare with");
  }
  const modelDir = process.env.MODEL_DIR ?? DEFAULT_MODEL_DIR;
  const name = values.model ?? (await readManifest(modelDir)).default;
  const started = Date.now();
  let transcriber: Transcriber | undefined; // loaded once, for the sets the fits need
  const activationsOfSet = async (split: "val" | "bars") => {
    const set = await loadSet(splitDir(split), { render: split });
    transcriber ??= await loadTranscriber({ modelDir, modelName: name });
    const acts = await activationsOf(transcriber, set);
    return acts.map((act, i) => ({ act, truth: set[i].truth }));
  };
  const val = values.tune || values["fit-notes"]
    ? await activationsOfSet("val")
    : [];
  const bars = values["fit-bars"] || values["fit-notes"]
    ? await activationsOfSet("bars")
    : [];
  if (values.tune) {
    const thresholds = tuneThresholds(val);
    await writeThresholds(modelDir, name, thresholds);
    console.error(
      `tuned thresholds of ${name} on ${val.length} validation tracks: ${
        JSON.stringify(thresholds)
      }`,
    );
  }
  let barModel = transcriber?.bars;
  if (values["fit-bars"]) {
    const model = fitBarModel(
      bars.map((b) => b.act),
      bars.map((b) => b.truth),
    );
    await writeFitted(modelDir, name, "bars", model);
    barModel = model;
    console.error(
      `fitted the downbeat stage of ${name} on ${bars.length} tracks (${model.weights.length} weights)`,
    );
  }
  if (values["fit-notes"]) {
    // the bars the pipeline's beat tracker would find, with the downbeat stage the model now has
    const withGrid = (set: LabelledTrack[]) =>
      set.map((t) => {
        const { beats, downbeats } = trackBeats(t.act, { bars: barModel });
        return { ...t, grid: barGrid(beats, downbeats) };
      });
    const { filter, report } = fitNoteFilter(
      withGrid(bars),
      withGrid(val),
      await readThresholds(modelDir, name),
    );
    const lanes = Object.keys(filter.lanes);
    await writeFitted(
      modelDir,
      name,
      "noteFilter",
      lanes.length ? filter : null,
    );
    console.error(
      `note filter of ${name} (fitted on ${bars.length} tracks, validation F plain -> filtered): ${
        Object.entries(report).map(([lane, r]) =>
          `${lane} ${r.plain.toFixed(3)} -> ${r.filtered.toFixed(3)}${
            r.kept ? ` (kept${r.bars ? ", with bar features" : ""})` : ""
          }`
        ).join(", ")
      }`,
    );
  }
  const split = values.split as Split;
  const size = values.tracks === undefined
    ? undefined
    : parseTrackCount(values.tracks);
  const tracks = values.dir
    ? await loadSet(values.dir)
    : await loadSet(splitDir(split, size), { render: split, tracks: size });
  const ghostsMeasured = tracks.some(({ truth }) =>
    truth.notes.some((n) => n.audibility !== undefined)
  );
  if (split !== "val" && !values.dir && !ghostsMeasured) {
    console.error(
      `this test set was rendered before ghost notes' audibility was measured (F-aud shows "-"); delete ${
        splitDir(split, size)
      } to render it again: the audio comes out the same`,
    );
  }
  const reports: Record<string, Report> = {};
  const bySource: Record<string, Record<string, Report>> = {};
  const scores: Record<string, TrackScore[]> = {};
  let comparison: Record<Compared, PairedInterval> | undefined;
  for (const m of [name, ...(values.baseline ? [values.baseline] : [])]) {
    ({ report: reports[m], bySource: bySource[m], scores: scores[m] } =
      await scoreModel(
        modelDir,
        m,
        tracks,
      ));
    console.log(formatReport(m, reports[m]) + "\n");
    if (values["by-source"]) {
      console.log(formatSourceTable(bySource[m]) + "\n");
    }
    if (values["false-onsets"]) {
      console.log(formatFalseOnsets(reports[m], LANES) + "\n");
    }
    if (values["false-onsets"] && values["by-source"]) {
      console.log(formatFalseOnsetsBySource(bySource[m], LANES) + "\n");
    }
    if (values.misses) console.log(formatMisses(reports[m], LANES) + "\n");
  }
  if (values.baseline) {
    const [a, b] = [
      headline(reports[name]),
      headline(reports[values.baseline]),
    ];
    console.log(
      `headline (mean F of kick, snare, hi-hat, beat): ${name} ${
        a.toFixed(3)
      } vs ${values.baseline} ${b.toFixed(3)}`,
    );
    comparison = pairedBootstrap(scores[values.baseline], scores[name]);
    console.log(
      formatPaired(name, values.baseline, tracks.length, comparison),
    );
    if (values.promote && a > b) {
      await setDefaultModel(modelDir, name);
      console.log(`${name} is now the manifest default`);
    }
  }
  if (values.json) {
    await writeFile(
      values.json,
      JSON.stringify({ split, reports, bySource, comparison }, null, 2) + "\n",
    );
  }
  console.error(
    `evaluated ${tracks.length} tracks in ${
      ((Date.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return 0;
}

// Deno sets import.meta.main; under Node (tsx) the script path is argv[1].
if (
  (import.meta as { main?: boolean }).main ??
    process.argv[1]?.endsWith("eval_transcription.ts")
) {
  main().then((code) => (process.exitCode = code), (e) => {
    console.error(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}

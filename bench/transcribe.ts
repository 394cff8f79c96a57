/**
 * `deno task bench:transcribe [audio-file] [--runs N] [--json]`: speed of the transcription path of
 * `deno task transcribe` on a 4-minute song, as multiples of real time (audio seconds per wall second), plus the
 * model's size and the process's peak memory (VmHWM from /proc/self/status, and Deno.memoryUsage()).
 *
 * The end-to-end path is the CLI's: the front end runs on the PCM chunks while the decoder is still decoding
 * ("decode+features", overlapped), then the ONNX model, beats, notes and the .bsm; "total" is that path's wall
 * time. For the record, "decode" (the decoder alone: mpg123 for this MP3, see pipeline/mp3.ts) and "features" (the
 * front end alone, on the whole signal) are also timed separately, so decode + features - decode+features is what
 * the overlap saves.
 *
 * Without a file it renders a 4-minute 120 bpm groove (inference/src/testing/synth.ts) and encodes it as a
 * 44.1 kHz stereo MP3 with ffmpeg, so decoding includes MP3 decoding and the halving of the rate like a real upload.
 * The model is the manifest's default (MODEL_DIR overrides the folder). The first run includes warm-up
 * (onnxruntime allocations); the figures reported are the median over --runs (default 3). The machine line
 * gives the load average before the runs: figures only compare at similar load.
 */
import { trackBeats } from "../inference/src/pipeline/beats.ts";
import { DECODE_SAMPLE_RATE, decodeAudio, decodeAudioStream } from "../inference/src/pipeline/decode.ts";
import { computeFeatures } from "../inference/src/pipeline/features.ts";
import { buildBsm } from "../inference/src/pipeline/package.ts";
import { lanePeaksFromThresholds, quantizeNotes } from "../inference/src/pipeline/quantize.ts";
import { DEFAULT_MODEL_DIR, loadTranscriber } from "../inference/src/pipeline/transcribe.ts";
import { renderDrumPattern } from "../inference/src/testing/synth.ts";

const SONG_SEC = 240;

async function makeSong(dir: string): Promise<string> {
  const bpm = 120;
  const song = renderDrumPattern({
    bpm,
    bars: Math.ceil((SONG_SEC * bpm) / 60 / 4),
    seed: 11,
    sampleRate: 44100,
  });
  await Deno.writeFile(`${dir}/song.wav`, song.wav);
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-y",
      "-i",
      `${dir}/song.wav`,
      "-t",
      String(SONG_SEC),
      "-ac",
      "2",
      "-b:a",
      "192k",
      `${dir}/song.mp3`,
    ],
  }).output();
  if (!out.success) {
    throw new Error(
      `ffmpeg could not encode the bench song: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return `${dir}/song.mp3`;
}

/** Peak resident memory of this process [MiB] (VmHWM), or NaN where /proc is missing. */
function peakRssMiB(): number {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(
      /VmHWM:\s+(\d+) kB/,
    );
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const args = Deno.args.filter((a) => !a.startsWith("--"));
const runsIdx = Deno.args.indexOf("--runs");
const runs = runsIdx >= 0 ? Number(Deno.args[runsIdx + 1]) : 3;
// before the runs, so it shows what else the machine was doing rather than this benchmark
const loadBefore = Deno.loadavg();
const tmp = await Deno.makeTempDir({ prefix: "beatsight-bench-transcribe-" });
try {
  const file = args.find((a) => a !== String(runs)) ?? (await makeSong(tmp));
  const modelDir = Deno.env.get("MODEL_DIR") ?? DEFAULT_MODEL_DIR;
  const transcriber = await loadTranscriber({ modelDir });
  const modelBytes = (await Deno.stat(
    `${modelDir.replace(/\/$/, "")}/${transcriber.model.file}`,
  )).size;
  const times: Record<string, number[]> = {
    decode: [],
    features: [],
    "decode+features": [],
    model: [],
    beats: [],
    notes: [],
    total: [],
  };
  let durationSec = 0, notes = 0;
  for (let r = 0; r < runs; r++) {
    // the path of `deno task transcribe` (pipeline/transcribe_file.ts): front end while ffmpeg decodes, then the rest
    const t0 = performance.now();
    const stream = transcriber.featureStream(DECODE_SAMPLE_RATE);
    for await (const chunk of decodeAudioStream(file, { sampleRate: DECODE_SAMPLE_RATE })) {
      stream.push(chunk);
    }
    const features = stream.finish();
    const t1 = performance.now();
    const act = await transcriber.transcribeFeatures(features);
    const t2 = performance.now();
    const beats = trackBeats(act, { bars: transcriber.bars });
    const t3 = performance.now();
    durationSec = stream.samples / DECODE_SAMPLE_RATE;
    const q = quantizeNotes(act, beats.beats, {
      lanePeaks: lanePeaksFromThresholds(transcriber.model.thresholds),
      noteFilter: transcriber.noteFilter,
    });
    const map = buildBsm({ durationSec, beats, notes: q.notes, model: transcriber.model });
    const t4 = performance.now();
    notes = map.notes.length;
    // for the record: each half of the overlapped stage on its own
    const { samples } = await decodeAudio(file, { sampleRate: DECODE_SAMPLE_RATE });
    const t5 = performance.now();
    computeFeatures(samples, transcriber.model.frontend);
    const t6 = performance.now();
    times.decode.push(t5 - t4);
    times.features.push(t6 - t5);
    times["decode+features"].push(t1 - t0);
    times.model.push(t2 - t1);
    times.beats.push(t3 - t2);
    times.notes.push(t4 - t3);
    times.total.push(t4 - t0);
  }
  const mem = Deno.memoryUsage();
  const result = {
    machine: `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}, load average before ` +
      loadBefore.map((l) => l.toFixed(2)).join(" "),
    model: transcriber.model.name,
    modelBytes,
    audioSec: Math.round(durationSec * 10) / 10,
    notes,
    runs,
    medianMs: Object.fromEntries(
      Object.entries(times).map(([k, v]) => [k, Math.round(median(v))]),
    ),
    realtimeFactor: Object.fromEntries(
      Object.entries(times).map((
        [k, v],
      ) => [k, Math.round(durationSec / (median(v) / 1000))]),
    ),
    peakRssMiB: Math.round(peakRssMiB()),
    rssMiB: Math.round(mem.rss / 2 ** 20),
    heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20),
  };
  if (Deno.args.includes("--json")) console.log(JSON.stringify(result));
  else {
    console.log(`transcription benchmark (${result.machine})`);
    console.log(
      `model ${result.model} (${(modelBytes / 1024).toFixed(0)} KiB), ${result.audioSec} s of audio, ${notes} notes`,
    );
    for (const k of Object.keys(times)) {
      console.log(
        `${k.padEnd(15)} ${String(result.medianMs[k]).padStart(6)} ms   ${
          String(result.realtimeFactor[k]).padStart(7)
        }x real time`,
      );
    }
    console.log(
      `peak memory (VmHWM) ${result.peakRssMiB} MiB, rss now ${result.rssMiB} MiB, JS heap ${result.heapUsedMiB} MiB`,
    );
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}

/**
 * `deno task transcribe <audio-file>`: prints the drafted .bsm drum map of one audio file as a single JSON
 * document on stdout; logs go to stderr. Exits 1 with a one-line message on a missing argument or file, or on
 * audio that cannot be decoded. Also runs under Node: `node --import tsx src/cli/transcribe.ts <file>`.
 */
import process from "node:process";
import type { BsmMap } from "../contracts/bsm.ts";
import { trackBeats } from "../pipeline/beats.ts";
import { DECODE_SAMPLE_RATE, decodeAudioStream } from "../pipeline/decode.ts";
import { buildBsm } from "../pipeline/package.ts";
import {
  lanePeaksFromThresholds,
  quantizeNotes,
} from "../pipeline/quantize.ts";
import { loadTranscriber, type Transcriber } from "../pipeline/transcribe.ts";
import { BadInputError } from "../pipeline/types.ts";

const USAGE =
  "usage: deno task transcribe <audio-file>  (prints a .bsm drum map as JSON on stdout)";

/**
 * Drafts the .bsm map of the audio file at `path` (decode -> transcribe -> beats -> quantize -> package). The front
 * end runs on the decoded chunks while ffmpeg, in its own process, decodes the rest.
 */
export async function transcribeFile(
  path: string,
  transcriber?: Transcriber,
): Promise<BsmMap> {
  const t = transcriber ?? (await loadTranscriber());
  const sampleRate = DECODE_SAMPLE_RATE;
  const stream = t.featureStream(sampleRate);
  for await (const chunk of decodeAudioStream(path, { sampleRate })) {
    stream.push(chunk);
  }
  const durationSec = stream.samples / sampleRate;
  const act = await t.transcribeFeatures(stream.finish());
  const beats = trackBeats(act, { bars: t.bars });
  const { notes } = quantizeNotes(act, beats.beats, {
    lanePeaks: lanePeaksFromThresholds(t.model.thresholds),
    noteFilter: t.noteFilter,
  });
  return buildBsm({
    durationSec,
    beats,
    notes,
    model: { name: t.model.name, version: t.model.version },
  });
}

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === "-h" || args[0] === "--help") {
    console.error(USAGE);
    return 1;
  }
  try {
    const started = Date.now();
    const map = await transcribeFile(args[0]);
    process.stdout.write(JSON.stringify(map) + "\n");
    console.error(
      `transcribed ${
        args[0]
      }: ${map.notes.length} notes, ${map.tempo.bpm} bpm in ${
        Date.now() - started
      } ms`,
    );
    return 0;
  } catch (e) {
    // Bad input is the user's to fix: one clear line. Anything else is a bug: keep the stack for the report.
    console.error(e instanceof BadInputError ? `error: ${e.message}` : e);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));

/** The draft map of one audio file, as `deno task transcribe` prints it, from the job pipeline's stage code. */
import type { BsmMap } from "../contracts/bsm.ts";
import { trackBeats } from "./beats.ts";
import { DECODE_SAMPLE_RATE, decodeAudioStream } from "./decode.ts";
import { buildBsm } from "./package.ts";
import { lanePeaksFromThresholds, quantizeNotes } from "./quantize.ts";
import { loadTranscriber, type Transcriber } from "./transcribe.ts";

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
    downbeats: beats.downbeats,
  });
  return buildBsm({
    durationSec,
    beats,
    notes,
    model: { name: t.model.name, version: t.model.version },
  });
}

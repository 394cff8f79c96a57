import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LANES } from "../contracts/bsm.ts";
import { decodeAudio } from "../pipeline/decode.ts";
import {
  lanePeaksFromThresholds,
  quantizeNotes,
} from "../pipeline/quantize.ts";
import { DEFAULT_MODEL_DIR, loadTranscriber } from "../pipeline/transcribe.ts";
import { encodeAudio } from "../testing/encode.ts";
import { type DrumPattern, renderDrumPattern } from "../testing/synth.ts";
import { scoreTrack } from "./evaluate.ts";
import { readManifest, readThresholds } from "./manifest_io.ts";

/** The manifest's default model: what the CLI and the job pipeline run. */
const MODEL = (await readManifest(DEFAULT_MODEL_DIR)).default;

/** A half-time groove with 16th hi-hats: not a pattern of the training generator, and synth.ts's own sounds. */
const HALF_TIME: DrumPattern = {
  beatsPerBar: 4,
  steps: 16,
  lanes: {
    kick: [1, 0, 0, 0, 0, 0, 0.8, 0, 0, 0, 0.7, 0, 0, 0, 0, 0],
    snare: [0, 0, 0, 0, 0, 0, 0, 0, 0.95, 0, 0, 0, 0, 0, 0, 0],
    hihat_closed: Array.from({ length: 16 }, (_, i) => (i % 2 ? 0.35 : 0.6)),
  },
};

// A half-time groove is tempo-ambiguous: its 16th hats make the model's beat activation fire on every 8th note,
// so the tracker may count it at double time; its tempo must be right up to that octave (Acc2).
for (
  const [name, opts, tempoCheck] of [
    ["rock groove at 120 bpm", { bpm: 120, bars: 6, seed: 21 }, "acc1"],
    ["half-time 16ths at 92 bpm", {
      bpm: 92,
      bars: 4,
      seed: 22,
      pattern: HALF_TIME,
    }, "acc2"],
  ] as const
) {
  test(`shipped model - ${name}: kick, snare and hi-hat within 50 ms, no other lane fires, tempo right (${tempoCheck})`, async () => {
    const t = await loadTranscriber({ modelName: MODEL });
    const thresholds = await readThresholds(DEFAULT_MODEL_DIR, MODEL);
    const groove = renderDrumPattern(opts);
    const { samples, sampleRate } = await decodeAudio(groove.wav);
    const act = await t.transcribe(samples, sampleRate);
    const truth = {
      id: name,
      style: "test",
      meter: "4/4",
      bpm: opts.bpm,
      source: "synth.ts",
      accompaniment: null,
      durationSec: groove.durationSec,
      notes: groove.hits.map((h) => ({
        time: h.time,
        lane: h.lane,
        velocity: 100,
      })),
      beats: groove.beats,
      downbeats: groove.downbeats,
    };
    const s = scoreTrack(act, truth, {
      thresholds,
      bars: t.bars,
      noteFilter: t.noteFilter,
    });
    const played = ["kick", "snare", "hihat_closed"];
    for (const lane of played) {
      const c = s.counts[lane];
      const f = (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
      assert.ok(f >= 0.9, `${lane}: ${JSON.stringify(c)}`);
    }
    const others = LANES.filter((l) => !played.includes(l));
    const spurious = others.reduce((n, l) => n + s.counts[l].fp, 0);
    assert.ok(
      spurious <= 2,
      `notes in lanes the groove does not play: ${spurious}`,
    );
    assert.ok(
      s.tempo[tempoCheck],
      `tempo ${s.tempo.estimate} vs ${s.tempo.reference}`,
    );
    // where the beats come at the groove's own tempo, its bars must come out right too (the downbeat stage)
    if (tempoCheck === "acc1") {
      assert.ok(t.bars, `${MODEL} ships without its downbeat stage`);
      assert.ok(s.downbeatF >= 0.9, `downbeat F ${s.downbeatF}`);
    }
  });
}

test("shipped model - a stereo 44.1 kHz MP3 (decoded by mpg123) transcribes like its WAV", async () => {
  const t = await loadTranscriber({ modelName: MODEL });
  const lanePeaks = lanePeaksFromThresholds(
    await readThresholds(DEFAULT_MODEL_DIR, MODEL),
  );
  const groove = renderDrumPattern({
    bpm: 104,
    bars: 6,
    seed: 23,
    sampleRate: 44100,
  });
  const dir = mkdtempSync(join(tmpdir(), "shipped-mp3-"));
  writeFileSync(join(dir, "g.wav"), groove.wav);
  encodeAudio(join(dir, "g.wav"), join(dir, "g.mp3"), [
    "-ac",
    "2",
    "-b:a",
    "192k",
  ]);
  const notesOf = async (path: string) => {
    const { samples, sampleRate } = await decodeAudio(path);
    return quantizeNotes(await t.transcribe(samples, sampleRate), [], {
      lanePeaks,
    }).notes;
  };
  const [wav, mp3] = [
    await notesOf(join(dir, "g.wav")),
    await notesOf(join(dir, "g.mp3")),
  ];
  assert.ok(wav.length > 50, `${wav.length} notes`);
  // the codec's smearing may move a peak to the next frame, no further
  const frame = 1 / t.model.fps + 0.001;
  let matched = 0;
  for (const n of wav) {
    if (
      mp3.some((m) => m.lane === n.lane && Math.abs(m.time - n.time) <= frame)
    ) matched++;
  }
  assert.ok(
    matched >= 0.97 * wav.length && mp3.length <= 1.03 * wav.length,
    `${matched}/${wav.length}, mp3 ${mp3.length}`,
  );
});

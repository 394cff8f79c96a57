import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildBandEnergyOnsetDetector,
  LABELS,
  MODEL_NAME,
  sha256Hex,
} from "../../models/build_band_energy_onset_detector.ts";
import { renderDrumPattern } from "../testing/synth.ts";
import { labelColumn } from "./activations_io.ts";
import { decodeAudio } from "./decode.ts";
import {
  DEFAULT_MODEL_DIR,
  loadTranscriber,
  manifestSchema,
  ModelChecksumError,
} from "./transcribe.ts";

const manifest = manifestSchema.parse(
  JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, "manifest.json"), "utf8")),
);
const entry = manifest.models.find((m) => m.name === manifest.default)!;
/** The generated baseline; the default may be a trained model. */
const bandEnergy = manifest.models.find((m) => m.name === MODEL_NAME)!;

test("transcribe - the generator rebuilds the committed model byte for byte (sha256 in the manifest)", () => {
  const bytes = buildBandEnergyOnsetDetector();
  assert.equal(sha256Hex(bytes), bandEnergy.sha256);
  assert.equal(
    sha256Hex(readFileSync(join(DEFAULT_MODEL_DIR, bandEnergy.file))),
    bandEnergy.sha256,
  );
  assert.deepEqual(bandEnergy.labels, [...LABELS]);
});

test("transcribe - a combined model's entry names its parts; a donor share outside 0..1 is refused", () => {
  const combined = {
    ...bandEnergy,
    combines: { base: "a", donor: "b", donorShare: { kick: 1, beat: 0.5 } },
  };
  const ok = manifestSchema.parse({ models: [combined], default: "x" });
  assert.deepEqual(ok.models[0].combines?.donorShare, { kick: 1, beat: 0.5 });
  for (const share of [0, 1.5]) {
    const bad = {
      ...combined,
      combines: { ...combined.combines, donorShare: { kick: share } },
    };
    assert.throws(() => manifestSchema.parse({ models: [bad], default: "x" }));
  }
});

test("transcribe - onnxruntime loads the model; activations have frames x labels in 0..1, peaks at the hits", async () => {
  const t = await loadTranscriber();
  assert.deepEqual(t.executionProviders, ["cpu"]);
  const groove = renderDrumPattern({ bpm: 120, bars: 2, seed: 5 });
  const { samples, sampleRate } = await decodeAudio(groove.wav);
  const act = await t.transcribe(samples, sampleRate);
  assert.equal(
    act.frames,
    Math.floor(samples.length / entry.frontend.hopSize) + 1,
  );
  assert.equal(act.data.length, act.frames * act.labels.length);
  assert.ok(act.data.every((v) => v > 0 && v < 1));
  const kick = labelColumn(act, "kick")!;
  const firstKick = Math.round(
    groove.hits.find((h) => h.lane === "kick")!.time * act.fps,
  );
  assert.ok(
    Math.max(...kick.slice(firstKick - 2, firstKick + 3)) > 0.9,
    "kick lane fires on the kick",
  );
  assert.ok(
    Math.max(...kick.slice(0, firstKick - 5)) < 0.2,
    "and stays low in the silence before it",
  );
  const again = await t.transcribe(samples, sampleRate);
  assert.deepEqual(again.data, act.data, "deterministic");
  await assert.rejects(t.transcribe(samples, 44100), /needs 22050 Hz audio/);
  // the streamed front end (the CLI feeds it while ffmpeg decodes) gives the same activations
  const stream = t.featureStream(sampleRate);
  for (let at = 0; at < samples.length; at += 4097) {
    stream.push(samples.subarray(at, at + 4097));
  }
  const streamed = await t.transcribeFeatures(stream.finish());
  assert.equal(streamed.frames, act.frames);
  assert.deepEqual(streamed.data, act.data, "streamed features");
  assert.throws(() => t.featureStream(44100), /needs 22050 Hz audio/);
  await assert.rejects(
    t.transcribeFeatures({ data: new Float32Array(80), frames: 2, bands: 40 }),
    /needs \d+ feature bands, got 40/,
  );
});

test("transcribe - a model file that does not match the manifest is refused, naming the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "models-"));
  copyFileSync(
    join(DEFAULT_MODEL_DIR, "manifest.json"),
    join(dir, "manifest.json"),
  );
  const bytes = readFileSync(join(DEFAULT_MODEL_DIR, entry.file));
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(join(dir, entry.file), bytes);
  await assert.rejects(loadTranscriber({ modelDir: dir }), (e: unknown) => {
    assert.ok(e instanceof ModelChecksumError);
    assert.match(e.message, new RegExp(`${entry.file} has sha256`));
    return true;
  });
  await assert.rejects(
    loadTranscriber({ modelName: "no_such_model" }),
    /Model "no_such_model" is not in/,
  );
});

test("transcribe - a long input runs in chunks with the model's context and gives the whole run's activations", async () => {
  const trained = manifest.models.find((m) => m.contextFrames !== undefined);
  assert.ok(trained, "a shipped model declares its context frames");
  const groove = renderDrumPattern({ bpm: 132, bars: 5, seed: 8 });
  const { samples, sampleRate } = await decodeAudio(groove.wav);
  const whole =
    await (await loadTranscriber({ modelName: trained.name, chunkFrames: 1e6 }))
      .transcribe(samples, sampleRate);
  const chunked =
    await (await loadTranscriber({ modelName: trained.name, chunkFrames: 100 }))
      .transcribe(samples, sampleRate);
  assert.ok(
    whole.frames > Math.max(5 * 100, 100 + 2 * trained.contextFrames!),
    `${whole.frames} frames: chunks`,
  );
  assert.equal(chunked.data.length, whole.data.length);
  let worst = 0;
  for (let i = 0; i < whole.data.length; i++) {
    worst = Math.max(worst, Math.abs(whole.data[i] - chunked.data[i]));
  }
  assert.ok(worst < 1e-5, `max difference ${worst}`);
  // too little context would show: a model cut with half its receptive field differs at the chunk seams
  const short = await loadTranscriber({
    modelName: trained.name,
    chunkFrames: 100,
  });
  short.model.contextFrames = Math.floor(trained.contextFrames! / 2);
  const cut = await short.transcribe(samples, sampleRate);
  let cutWorst = 0;
  for (let i = 0; i < whole.data.length; i++) {
    cutWorst = Math.max(cutWorst, Math.abs(whole.data[i] - cut.data[i]));
  }
  assert.ok(
    cutWorst > 1e-3,
    `half the context changes the output (${cutWorst})`,
  );
});

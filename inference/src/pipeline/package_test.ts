import assert from "node:assert/strict";
import { MemoryStore } from "../storage/memory_store.ts";
import { test } from "node:test";
import { bsmSchema } from "../contracts/bsm.ts";
import type { JobMessage } from "../contracts/job_message.ts";
import { renderDrumPattern, type SynthHit } from "../testing/synth.ts";
import { createBeatsStage } from "./beats.ts";
import { createDecodeStage } from "./decode.ts";
import { buildBsm, createPackageStage, packageKey } from "./package.ts";
import { createQuantizeStage } from "./quantize.ts";
import { createTranscribeStage, loadTranscriber } from "./transcribe.ts";
import { BadInputError, type StageContext } from "./types.ts";

const beats = {
  beats: [0.5, 1, 1.5, 2],
  downbeats: [0.5],
  bpm: 120,
  timeSignature: [4, 4] as [number, number],
};
const model = { name: "band_energy_onset_detector", version: "1.0.0" };

test("package - builds a valid .bsm with notes sorted by time and the generator", () => {
  const notes = [{ time: 1, lane: "snare", velocity: 100 }, {
    time: 0.5,
    lane: "kick",
    velocity: 90,
    beat: 0,
  }];
  const map = buildBsm({ durationSec: 2.5, beats, notes, model });
  assert.deepEqual(bsmSchema.parse(map), map);
  assert.deepEqual(map.notes.map((n) => n.lane), ["kick", "snare"]);
  assert.equal(map.notes[0].beat, 0, "extra note fields are kept");
  assert.deepEqual(map.generator, {
    model: model.name,
    version: model.version,
  });
  assert.equal(map.tempo.bpm, 120);
});

test("package - no beat is a bad-input error; an invalid note fails validation", () => {
  assert.throws(
    () =>
      buildBsm({
        durationSec: 2,
        beats: { ...beats, beats: [], bpm: 0 },
        notes: [],
        model,
      }),
    BadInputError,
  );
  assert.throws(() =>
    buildBsm({
      durationSec: 2,
      beats,
      notes: [{ time: 1, lane: "Kick!", velocity: 300 }],
      model,
    })
  );
});

/** F-measure of `found` times against `truth` times, each matched at most once within `tol` [seconds]. */
function fMeasure(found: number[], truth: number[], tol = 0.05): number {
  const used = new Set<number>();
  let tp = 0;
  for (const t of found) {
    const i = truth.findIndex((x, j) => !used.has(j) && Math.abs(x - t) <= tol);
    if (i >= 0) used.add(i), tp++;
  }
  return found.length && truth.length
    ? (2 * tp) / (found.length + truth.length)
    : 0;
}

async function runPipeline(wav: Uint8Array) {
  const store = new MemoryStore();
  const job: JobMessage = {
    jobId: "3f1c2a4e-8b7d-4c61-9e0a-1d2b3c4d5e6f",
    attempt: 1,
    type: "generate_map",
    songId: "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
    audioKey: "uploads/song.wav",
    stageOutputs: {},
    callbackUrl: "http://127.0.0.1:1/cb",
    traceId: "t",
    priority: 5,
  };
  await store.put(job.audioKey, wav, "audio/wav");
  const silent = { info() {}, warn() {}, error() {} };
  const ctx: StageContext = {
    job,
    store,
    outputs: {},
    signal: new AbortController().signal,
    log: silent,
  };
  const transcriber = await loadTranscriber();
  for (
    const stage of [
      createDecodeStage(),
      createTranscribeStage(transcriber),
      createBeatsStage(),
      createQuantizeStage(),
      createPackageStage(),
    ]
  ) {
    await stage.run(ctx);
    ctx.outputs[stage.name] = stage.outputKey(job);
  }
  assert.equal(
    store.objects.get(packageKey(job))?.contentType,
    "application/json",
  );
  return new TextDecoder().decode(await store.get(packageKey(job)));
}

test("package - end to end: an 8-bar 120 bpm groove becomes a map with its hits, tempo and bars", async () => {
  const groove = renderDrumPattern({ bpm: 120, bars: 8, seed: 11 });
  const text = await runPipeline(groove.wav);
  const map = bsmSchema.parse(JSON.parse(text));
  const times = (notes: { lane: string; time: number }[], lane: string) =>
    notes.filter((n) => n.lane === lane).map((n) => n.time);
  for (const lane of ["kick", "snare", "hihat_closed"]) {
    const f = fMeasure(
      times(map.notes, lane),
      times(groove.hits as SynthHit[], lane),
    );
    assert.ok(f >= 0.9, `${lane}: F = ${f.toFixed(3)}`);
  }
  assert.ok(Math.abs(map.tempo.bpm - 120) / 120 < 0.02, `bpm ${map.tempo.bpm}`);
  assert.deepEqual(map.timeSignature, [4, 4]);
  assert.equal(fMeasure(map.tempo.beats, groove.beats, 0.03), 1);
  assert.ok(Math.abs(map.durationSec - groove.durationSec) < 0.01);
  assert.equal(
    await runPipeline(groove.wav),
    text,
    "repeated runs give identical bytes",
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStore } from "../storage/memory_store.ts";
import { type ActivationsMeta, encodeActivations } from "./activations_io.ts";
import { beatsKey } from "./beats.ts";
import {
  createQuantizeStage,
  detectSwing,
  lanePeaksFromThresholds,
  quantizeKey,
  quantizeNotes,
} from "./quantize.ts";
import { transcribeKey } from "./transcribe.ts";
import type { Activations, StageContext } from "./types.ts";

const FPS = 100;
const beats = Array.from({ length: 9 }, (_, k) => 1 + k * 0.5); // 120 bpm from 1 s

/** Activations with one drum lane `snare` peaking (0.9, or `strength`) at `times` [seconds]. */
function snareAt(
  times: number[],
  strength: number[] = times.map(() => 0.9),
): Activations {
  const frames = 6 * FPS;
  const data = new Float32Array(frames * 2).fill(0.05);
  times.forEach((t, i) => (data[Math.round(t * FPS) * 2] = strength[i]));
  return { data, frames, fps: FPS, labels: ["snare", "beat"] };
}

test("quantize - straight 16ths snap to quarters of a beat, keeping the detected time", () => {
  const { notes } = quantizeNotes(snareAt([1.01, 1.13, 1.26, 1.37]), beats);
  assert.deepEqual(notes.map((n) => n.beat), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(notes.map((n) => n.quantizedTime), [1, 1.125, 1.25, 1.375]);
  assert.deepEqual(notes.map((n) => n.time), [1.01, 1.13, 1.26, 1.37]);
  assert.ok(
    notes.every((n) =>
      n.lane === "snare" && n.velocity === Math.round(0.9 * 127)
    ),
  );
});

test("quantize - a beat of triplets snaps to thirds, its neighbour stays straight", () => {
  const { notes } = quantizeNotes(snareAt([1.5, 1.67, 1.83, 2.0, 2.25]), beats);
  assert.deepEqual(
    notes.map((n) => n.beat),
    [1, 1 + 1 / 3, 1 + 2 / 3, 2, 2.5].map((b) => Math.round(b * 1e6) / 1e6),
  );
});

test("quantize - swing is detected from late off-beats; straight 8ths are not swung", () => {
  const swung = [0, 1, 2, 3, 4, 5].flatMap((
    k,
  ) => [1 + k * 0.5, 1 + k * 0.5 + 0.33]);
  const r = quantizeNotes(snareAt(swung), beats);
  assert.ok(r.swing?.swung && r.swing.ratio > 1.8, JSON.stringify(r.swing));
  const straight = detectSwing([0.5, 1.5, 2.5, 3.5, 4.52]);
  assert.deepEqual(straight, { ratio: 1, swung: false });
  assert.equal(detectSwing([0.5]), null);
});

test("quantize - dynamics are relative to the lane: quiet hits are ghosts", () => {
  const { notes } = quantizeNotes(
    snareAt([1, 1.5, 2, 2.5, 3], [0.9, 0.9, 0.52, 0.9, 0.9]),
    beats,
  );
  assert.deepEqual(notes.map((n) => n.dynamic), [
    "normal",
    "normal",
    "ghost",
    "normal",
    "normal",
  ]);
  const noGrid = quantizeNotes(snareAt([1]), []);
  assert.deepEqual(noGrid.notes.map((n) => [n.quantizedTime, n.beat]), [[
    1,
    null,
  ]]);
});

/** Runs the quantize stage on `act` with `meta` (as the transcribe stage stored it) and a 120 bpm grid. */
async function quantizeStage(
  act: Activations,
  meta: Omit<ActivationsMeta, "model" | "durationSec">,
  downbeats = [1],
): Promise<{ notes: { time: number; lane: string }[] }> {
  const store = new MemoryStore();
  const job = {
    jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01",
  } as StageContext["job"];
  const model = { name: "m", version: "1" };
  await store.put(
    transcribeKey(job),
    encodeActivations(act, { model, durationSec: 6, ...meta }),
    "x",
  );
  await store.put(
    beatsKey(job),
    new TextEncoder().encode(
      JSON.stringify({
        beats,
        downbeats,
        bpm: 120,
        timeSignature: [4, 4],
      }),
    ),
    "x",
  );
  const ctx = {
    job,
    store,
    outputs: {},
    signal: new AbortController().signal,
    log: { info() {}, warn() {}, error() {} },
  };
  await createQuantizeStage().run(ctx);
  return JSON.parse(
    new TextDecoder().decode(await store.get(quantizeKey(job))),
  );
}

test("quantize - the stage picks each lane with the model's tuned threshold from the activations' meta", async () => {
  const act = snareAt([1, 1.5, 2], [0.9, 0.5, 0.9]);
  const artifact = await quantizeStage(act, { thresholds: { snare: 0.7 } });
  assert.deepEqual(
    artifact.notes.map((n) => n.time),
    [1, 2],
    "the 0.5 peak is under the tuned 0.7",
  );
  assert.deepEqual(lanePeaksFromThresholds({ snare: 0.7 }), {
    snare: { threshold: 0.7 },
  });
});

test("quantize - the stage keeps the peaks the model's note filter keeps, picked at its floor", async () => {
  const labels = ["snare", "hihat_closed", "beat"];
  const frames = 6 * FPS, data = new Float32Array(frames * 3).fill(0.05);
  const set = (
    t: number,
    col: number,
    v: number,
  ) => (data[Math.round(t * FPS) * 3 + col] = v);
  set(1, 0, 0.9), set(1, 1, 0.95); // a "snare" that is a hi-hat stroke
  set(1.5, 0, 0.5); // a quiet snare, under the tuned threshold
  set(2, 0, 0.9);
  const act: Activations = { data, frames, fps: FPS, labels };
  const noteFilter = {
    labels,
    floor: 0.3,
    lanes: {
      snare: { // vector: [logit(snare), rise, logit(max hi-hat), logit(max beat)]: a hi-hat vetoes
        mean: [0, 0, 0, 0],
        std: [1, 1, 1, 1],
        weights: [0, 0, -2, 0],
        bias: -3,
        threshold: 0.5,
      },
    },
  };
  const thresholds = { snare: 0.7 };
  const artifact = await quantizeStage(act, { thresholds, noteFilter });
  const snares = artifact.notes.filter((n) => n.lane === "snare");
  assert.deepEqual(snares.map((n) => n.time), [1.5, 2]);
  const plain = quantizeNotes(act, beats, {
    lanePeaks: lanePeaksFromThresholds(thresholds),
  });
  assert.deepEqual(
    plain.notes.filter((n) => n.lane === "snare").map((n) => n.time),
    [1, 2],
  );
});

test("quantize - the stage gives the note filter the beats stage's bars: a quiet snare is kept where the pattern has one", async () => {
  // bars of 2 beats (1 s) from 1 s; the pattern's snare 0.25 s into each bar, and two quiet peaks in the last bar
  const act = snareAt([1.25, 2.25, 3.25, 4.25, 4.75], [
    0.9,
    0.9,
    0.9,
    0.5,
    0.5,
  ]);
  const noteFilter = {
    labels: [...act.labels],
    floor: 0.3,
    lanes: {
      snare: { // vector: [logit(snare), rise, logit(max beat), bar repetition (max, mean)]: only repetition counts
        mean: [0, 0, 0, 0, 0],
        std: [1, 1, 1, 1, 1],
        weights: [0, 0, 0, 2, 0],
        bias: 0,
        threshold: 0.5,
        bars: true,
      },
    },
  };
  const withBars = await quantizeStage(act, { noteFilter }, [1, 2, 3, 4, 5]);
  assert.deepEqual(withBars.notes.map((n) => n.time), [1.25, 2.25, 3.25, 4.25]);
  const noBars = await quantizeStage(act, { noteFilter }, [1]);
  assert.deepEqual(
    noBars.notes,
    [],
    "one downbeat places no bar: the features are neutral",
  );
});

test("quantize - one hi-hat at a time: closed and open peaks 10 ms apart give the stronger note only", () => {
  const frames = 3 * FPS;
  const labels = ["hihat_closed", "hihat_open", "kick", "beat"];
  const data = new Float32Array(frames * labels.length).fill(0.02);
  const set = (
    lane: string,
    t: number,
    v: number,
  ) => (data[Math.round(t * FPS) * labels.length + labels.indexOf(lane)] = v);
  set("hihat_closed", 1.0, 0.6), set("hihat_open", 1.01, 0.9); // one stroke: the open one wins
  set("hihat_closed", 1.5, 0.9), set("hihat_open", 1.51, 0.7); // one stroke: the closed one wins
  set("hihat_closed", 2.0, 0.8), set("hihat_open", 2.06, 0.8); // 60 ms apart: two strokes
  set("kick", 1.0, 0.9); // other lanes are untouched
  const { notes } = quantizeNotes({ data, frames, fps: FPS, labels }, []);
  assert.deepEqual(notes.map((n) => [n.time, n.lane]), [
    [1, "kick"],
    [1.01, "hihat_open"],
    [1.5, "hihat_closed"],
    [2, "hihat_closed"],
    [2.06, "hihat_open"],
  ]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseMeter, medianTempo, trackBeats } from "./beats.ts";
import type { Activations } from "./types.ts";

const FPS = 100;

/** Beat activation with peaks at `times` [seconds] (kick column accents every `accentEvery`-th from `phase`). */
function activations(
  times: number[],
  accentEvery = 4,
  phase = 0,
  seconds = Math.ceil(times.at(-1)! + 1),
): Activations {
  const frames = seconds * FPS;
  const data = new Float32Array(frames * 2).fill(0.05);
  times.forEach((t, k) => {
    const f = Math.round(t * FPS);
    const kick = (k - phase) % accentEvery === 0 ? 0.95 : 0.3;
    // Peaks a few frames wide, as a model's are.
    [-2, -1, 0, 1, 2].forEach((d, i) => {
      const shape = [0.4, 0.8, 1, 0.8, 0.4][i];
      data[(f + d) * 2 + 1] = Math.max(data[(f + d) * 2 + 1], 0.95 * shape); // beat
      data[(f + d) * 2] = Math.max(data[(f + d) * 2], kick * shape); // kick
    });
  });
  return { data, frames, fps: FPS, labels: ["kick", "beat"] };
}

const grid = (bpm: number, n: number, start = 1) =>
  Array.from({ length: n }, (_, k) => start + (k * 60) / bpm);

test("beats - a steady 100 bpm pulse gives its beats and tempo", () => {
  const truth = grid(100, 40);
  const r = trackBeats(activations(truth));
  assert.equal(r.beats.length, truth.length);
  r.beats.forEach((b, k) =>
    assert.ok(Math.abs(b - truth[k]) <= 0.011, `beat ${k}: ${b} vs ${truth[k]}`)
  );
  assert.ok(Math.abs(r.bpm - 100) < 1, `bpm ${r.bpm}`);
});

test("beats - the tracker follows a tempo change from 90 to 130 bpm", () => {
  const slow = grid(90, 24);
  const fast = grid(130, 30, slow.at(-1)! + 60 / 130);
  const r = trackBeats(activations([...slow, ...fast]));
  const late = r.beats.filter((b) => b > fast[4]);
  assert.ok(
    Math.abs(60 / (late[5] - late[4]) - 130) < 5,
    "fast section at ~130 bpm",
  );
  const early = r.beats.filter((b) => b < slow[20]);
  assert.ok(
    Math.abs(60 / (early[5] - early[4]) - 90) < 5,
    "slow section at ~90 bpm",
  );
});

test("beats - meter and downbeats come from the kick accents", () => {
  const four = trackBeats(activations(grid(120, 32), 4, 1));
  assert.deepEqual(four.timeSignature, [4, 4]);
  assert.ok(
    Math.abs(four.downbeats[0] - four.beats[1]) < 1e-9,
    "downbeat on the accented second beat",
  );
  const three = trackBeats(activations(grid(120, 30), 3, 0));
  assert.deepEqual(three.timeSignature, [3, 4]);
  assert.equal(three.downbeats.length, 10);
  assert.deepEqual(chooseMeter([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]), {
    beatsPerBar: 4,
    phase: 0,
    score: 1,
  });
});

test("beats - silence has no beats and no tempo; repeated runs are identical", () => {
  const silent: Activations = {
    data: new Float32Array(1000).fill(0.05),
    frames: 500,
    fps: FPS,
    labels: ["kick", "beat"],
  };
  assert.deepEqual(trackBeats(silent), {
    beats: [],
    downbeats: [],
    bpm: 0,
    timeSignature: [4, 4],
  });
  const a = activations(grid(140, 20));
  assert.deepEqual(trackBeats(a), trackBeats(a));
  assert.equal(medianTempo([0, 0.5, 1, 1.5, 2]), 120);
  assert.throws(() => trackBeats(a, { minBpm: 200, maxBpm: 100 }), RangeError);
});

test("beats - a fast 235 bpm pulse keeps its tempo instead of a half or a third of it", () => {
  const truth = grid(235, 90);
  const r = trackBeats(activations(truth));
  assert.ok(Math.abs(r.bpm - 235) < 5, `bpm ${r.bpm}`);
  assert.ok(r.beats.length >= truth.length - 2, `${r.beats.length} beats`);
});

test("beats - weak activations (peaks at 0.3) are rescaled and tracked like strong ones", () => {
  const truth = grid(100, 40);
  const strong = activations(truth);
  const weak = { ...strong, data: strong.data.map((v) => v * 0.3) };
  const r = trackBeats(weak, { threshold: 0.05 });
  assert.ok(Math.abs(r.bpm - 100) < 1, `bpm ${r.bpm}`);
  assert.ok(r.beats.length >= truth.length - 1, `${r.beats.length} beats`);
});

test("beats - the model's downbeat column sets the meter: five beats per bar", () => {
  const truth = grid(120, 40);
  const base = activations(truth, 1);
  // Re-lay the activations with a downbeat column that fires on every fifth beat from the third.
  const data = new Float32Array(base.frames * 3).fill(0.02);
  for (let t = 0; t < base.frames; t++) {
    data[t * 3] = base.data[t * 2];
    data[t * 3 + 1] = base.data[t * 2 + 1];
  }
  truth.forEach((b, k) => {
    if ((k - 2) % 5 === 0) data[Math.round(b * FPS) * 3 + 2] = 0.9;
  });
  const r = trackBeats({ ...base, data, labels: ["kick", "beat", "downbeat"] });
  assert.deepEqual(r.timeSignature, [5, 4]);
  assert.ok(
    Math.abs(r.downbeats[0] - truth[2]) < 0.02,
    `first downbeat ${r.downbeats[0]}`,
  );
});

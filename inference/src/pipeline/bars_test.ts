import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BarModel,
  barModelSchema,
  beatVectors,
  decodeBars,
  downbeatProbabilities,
  windowedLength,
  windowedVector,
} from "./bars.ts";
import { trackBeats } from "./beats.ts";
import type { Activations } from "./types.ts";

const FPS = 100;
const LABELS = ["kick", "crash", "tom_high", "beat", "downbeat"];

/** Activations with beats every `beatFrames` frames; `at(k, label)` sets each beat's peak, toms fill before. */
function activations(
  beats: number,
  beatFrames: number,
  at: (k: number, label: string) => number,
): Activations {
  const frames = (beats + 2) * beatFrames;
  const n = LABELS.length;
  const data = new Float32Array(frames * n).fill(0.01);
  for (let k = 0; k < beats; k++) {
    const f = beatFrames + k * beatFrames;
    LABELS.forEach((l, c) => (data[f * n + c] = at(k, l)));
    // beat peaks a few frames wide, as a model's are
    [0.4, 0.8, 1, 0.8, 0.4].forEach((
      shape,
      i,
    ) => (data[(f + i - 2) * n + LABELS.indexOf("beat")] = 0.95 * shape));
  }
  return { data, frames, fps: FPS, labels: LABELS };
}

const META = {
  meters: [4, 3, 2],
  meterLogPrior: [0, Math.log(0.3), Math.log(0.3)],
  meterChange: 1e-3,
};

/** Downbeat probabilities of a song in `m`/4 starting on bar position `first`, `clear` at bar starts. */
const barProbabilities = (
  n: number,
  m: number,
  first: number,
  clear = 0.8,
  blur = 0.2,
) =>
  Array.from({ length: n }, (_, k) => ((k + first) % m === 0 ? clear : blur));

test("bars - four-beat bars and their phase come back from per-beat probabilities, a pickup included", () => {
  const p = barProbabilities(33, 4, 3); // the song starts on beat 4 of a bar
  const { positions, meters } = decodeBars(p, META);
  assert.deepEqual(positions.slice(0, 6), [3, 0, 1, 2, 3, 0]);
  assert.ok(meters.every((m) => m === 4));
});

test("bars - three-beat bars win over four when the downbeats come every third beat", () => {
  const { positions, meters } = decodeBars(barProbabilities(30, 3, 0), META);
  assert.ok(meters.every((m) => m === 3));
  assert.deepEqual(positions.slice(0, 4), [0, 1, 2, 0]);
});

test("bars - a meter change at a bar line is followed (four bars of 4, then bars of 3)", () => {
  const p = [
    ...barProbabilities(16, 4, 0, 0.95, 0.05),
    ...barProbabilities(18, 3, 0, 0.95, 0.05),
  ];
  const { meters, positions } = decodeBars(p, META);
  assert.deepEqual(meters.slice(0, 16), Array(16).fill(4));
  assert.deepEqual(meters.slice(16), Array(18).fill(3));
  assert.deepEqual(positions.slice(14, 20), [2, 3, 0, 1, 2, 0]);
});

test("bars - one uncertain bar does not shift the bars after it", () => {
  const p = barProbabilities(40, 4, 0);
  p[20] = 0.2; // a downbeat the model missed
  p[22] = 0.8; // and a strong third beat
  const { positions } = decodeBars(p, META);
  assert.equal(positions[20], 0);
  assert.equal(positions[22], 2);
  assert.equal(positions[36], 0);
});

test("bars - beat vectors read each column at the beat and each lane's peak between beats", () => {
  const act = activations(
    4,
    50,
    (k, l) => (l === "crash" && k === 2 ? 0.9 : l === "kick" ? 0.5 : 0.01),
  );
  // a tom fill between beats 1 and 2
  act.data[(50 + 50 + 25) * LABELS.length + LABELS.indexOf("tom_high")] = 0.7;
  const frames = [50, 100, 150, 200];
  const spec = {
    labels: LABELS,
    betweenLabels: ["kick", "tom_high"],
    window: 1,
  };
  const v = beatVectors(act, frames, spec);
  assert.equal(v.length, 4);
  assert.equal(v[0].length, LABELS.length + 2 + 1);
  assert.ok(Math.abs(v[2][LABELS.indexOf("crash")] - 0.9) < 1e-6);
  assert.ok(Math.abs(v[1][LABELS.indexOf("crash")] - 0.01) < 1e-6);
  assert.ok(
    Math.abs(v[2][LABELS.length + 1] - 0.7) < 1e-6,
    "fill before beat 2",
  );
  assert.ok(
    Math.abs(v[1][LABELS.length + 1] - 0.01) < 1e-6,
    "no fill before beat 1",
  );
  assert.equal(v[0].at(-1), 1);
  const w = windowedVector(v, 0, 1);
  assert.equal(w.length, windowedLength(spec));
  assert.deepEqual(
    [...w.subarray(0, v[0].length)],
    Array(v[0].length).fill(0),
    "no beat before the first",
  );
  assert.deepEqual([...w.subarray(v[0].length, 2 * v[0].length)], [...v[0]]);
});

/** A hand-set model that reads only the downbeat column at the beat itself. */
function downbeatOnlyModel(): BarModel {
  const spec = { labels: LABELS, betweenLabels: [] as string[], window: 0 };
  const d = windowedLength(spec);
  const weights = Array(d).fill(0);
  weights[LABELS.indexOf("downbeat")] = 4;
  return barModelSchema.parse({
    ...spec,
    mean: Array(d).fill(0.5),
    std: Array(d).fill(0.5),
    weights,
    bias: 0,
    ...META,
  });
}

test("bars - trackBeats takes bars and meter from a bar model when given one", () => {
  // Three-beat bars in the downbeat column; the kick accents every second beat, which the accent rule would read.
  const act = activations(
    36,
    50,
    (k, l) =>
      l === "downbeat"
        ? (k % 3 === 1 ? 0.9 : 0.1)
        : l === "kick"
        ? (k % 2 === 0 ? 0.9 : 0.1)
        : 0.01,
  );
  const model = downbeatOnlyModel();
  const beats = trackBeats(act).beats;
  const index = (t: number) => Math.round((t * FPS - 50) / 50); // which generated beat a tracked one is
  assert.ok(beats.length >= 34, `${beats.length} beats`);
  const p = downbeatProbabilities(
    act,
    beats.map((b) => Math.round(b * FPS)),
    model,
  );
  beats.forEach((b, k) =>
    assert.equal(p[k] > 0.5, index(b) % 3 === 1, `beat ${index(b)}: p ${p[k]}`)
  );
  const r = trackBeats(act, { bars: model });
  assert.deepEqual(r.timeSignature, [3, 4]);
  assert.ok(r.downbeats.length >= 11);
  r.downbeats.forEach((d) =>
    assert.equal(index(d) % 3, 1, `downbeat at beat ${index(d)}`)
  );
});

test("bars - a bar model whose sizes disagree, or that needs a column the activations lack, is refused", () => {
  const good = downbeatOnlyModel();
  assert.equal(
    barModelSchema.safeParse({ ...good, weights: good.weights.slice(1) })
      .success,
    false,
  );
  assert.equal(
    barModelSchema.safeParse({ ...good, meterLogPrior: [0] }).success,
    false,
  );
  const act = activations(8, 50, () => 0.1);
  const other = {
    ...act,
    labels: ["kick", "crash", "tom_high", "beat", "onset"],
  };
  assert.throws(
    () => downbeatProbabilities(other, [50, 100], good),
    /needs activation column "downbeat"/,
  );
});

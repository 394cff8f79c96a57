import assert from "node:assert/strict";
import { test } from "node:test";
import { trackBeats } from "../pipeline/beats.ts";
import type { Activations } from "../pipeline/types.ts";
import { prng as random } from "../testing/synth.ts";
import type { TrackTruth } from "./dataset.ts";
import { fitBarModel, fitLogistic, solveSpd } from "./fit_bars.ts";
import { beatFMeasure } from "./metrics.ts";

test("fit_bars - solveSpd solves a symmetric positive definite system", () => {
  const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
  const x = [1, -2, 0.5];
  const b = Float64Array.from(
    [0, 1, 2].map((i) => x.reduce((s, v, j) => s + a[i * 3 + j] * v, 0)),
  );
  const got = solveSpd(Float64Array.from(a), b, 3);
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - x[i]) < 1e-9, `${v} vs ${x[i]}`)
  );
  assert.throws(
    () =>
      solveSpd(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2),
    /positive definite/,
  );
});

test("fit_bars - logistic regression recovers the weights that generated the labels", () => {
  const rnd = random(7);
  const truth = [2, -1, 0];
  const x: Float64Array[] = [], y: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const r = Float64Array.from(truth, () => rnd() * 2 - 1);
    const z = 0.5 + r.reduce((s, v, j) => s + v * truth[j], 0);
    x.push(r);
    y.push(rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  const { weights, bias } = fitLogistic(x, y, 1e-6);
  weights.forEach((w, j) =>
    assert.ok(Math.abs(w - truth[j]) < 0.25, `w${j} ${w} vs ${truth[j]}`)
  );
  assert.ok(Math.abs(bias - 0.5) < 0.2, `bias ${bias}`);
});

const LABELS = ["kick", "snare", "crash", "tom_high", "beat", "downbeat"];
const FPS = 100, BEAT = 50;

/**
 * A 4/4 song of `bars` bars whose downbeat column is as high on beat 3 as on beat 1 (the network's blind spot);
 * what marks bar 1 is a crash on it every fourth bar and a tom fill in the beat before. Starts with `pickup` beats.
 */
function song(
  bars: number,
  pickup: number,
  rnd: () => number,
): { act: Activations; truth: TrackTruth } {
  const beats = bars * 4 + pickup;
  const frames = (beats + 2) * BEAT, n = LABELS.length;
  const data = new Float32Array(frames * n).map(() => 0.02 * rnd());
  const set = (
    f: number,
    label: string,
    v: number,
  ) => (data[f * n + LABELS.indexOf(label)] = v);
  const times: number[] = [], downbeats: number[] = [];
  for (let k = 0; k < beats; k++) {
    const f = BEAT + k * BEAT,
      pos = (k - pickup + 4) % 4,
      bar = Math.floor((k - pickup) / 4);
    times.push(f / FPS);
    if (pos === 0) downbeats.push(f / FPS);
    [0.4, 0.8, 1, 0.8, 0.4].forEach((s, i) => set(f + i - 2, "beat", 0.95 * s));
    set(f, pos % 2 === 0 ? "kick" : "snare", 0.9);
    set(f, "downbeat", pos % 2 === 0 ? 0.85 + 0.1 * rnd() : 0.05);
    if (pos === 0 && bar % 4 === 0) set(f, "crash", 0.9);
    if (pos === 3 && bar % 4 === 3) set(f + BEAT / 2, "tom_high", 0.9);
  }
  const truth: TrackTruth = {
    id: "s",
    style: "rock",
    meter: "4/4",
    bpm: 120,
    source: "test",
    accompaniment: null,
    durationSec: frames / FPS,
    notes: [],
    beats: times,
    downbeats,
  };
  return { act: { data, frames, fps: FPS, labels: LABELS }, truth };
}

test("fit_bars - the fitted stage finds bar 1 from crashes and fills where the downbeat column cannot", () => {
  const rnd = random(11);
  const train = Array.from({ length: 24 }, (_, i) => song(12, i % 4, rnd));
  const bars = fitBarModel(train.map((s) => s.act), train.map((s) => s.truth), {
    window: 4,
  });
  assert.equal(bars.labels.length, LABELS.length);
  assert.deepEqual(
    bars.betweenLabels,
    ["kick", "snare", "tom_high", "crash"],
    "the drum lanes, in .bsm order",
  );
  for (let pickup = 0; pickup < 4; pickup++) {
    const { act, truth } = song(16, pickup, rnd);
    const r = trackBeats(act, { bars });
    assert.deepEqual(r.timeSignature, [4, 4]);
    const f = beatFMeasure(r.downbeats, truth.downbeats);
    assert.ok(f > 0.95, `pickup ${pickup}: downbeat F ${f}`);
  }
});

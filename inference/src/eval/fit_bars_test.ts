import assert from "node:assert/strict";
import { test } from "node:test";
import { trackBeats } from "../pipeline/beats.ts";
import type { Activations } from "../pipeline/types.ts";
import { prng as random } from "../testing/synth.ts";
import type { TrackTruth } from "./dataset.ts";
import { fitBarModel } from "./fit_bars.ts";
import { noisyActivations, syntheticTruth } from "./synthetic_track.ts";
import { beatFMeasure } from "./metrics.ts";

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
  const frames = (beats + 2) * BEAT;
  const { act, set } = noisyActivations(LABELS, frames, FPS, 0.02, rnd);
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
  const truth = syntheticTruth({
    notes: [],
    beats: times,
    downbeats,
    durationSec: frames / FPS,
  });
  return { act, truth };
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

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  barRepetition,
  candidateVector,
  filterPeaks,
  laneVector,
  type NoteFilter,
  noteFilterSchema,
  onsetProbability,
} from "./note_filter.ts";
import { pickPeaks } from "./peaks.ts";
import type { Activations } from "./types.ts";

const FPS = 100;
const LABELS = ["kick", "snare", "hihat_closed"];
const logit = (p: number) => Math.log(p / (1 - p));

/** 3 s of activations at 0.05 with the given (label, frame, value) bumps. */
function acts(bumps: [string, number, number][]): Activations {
  const frames = 3 * FPS, n = LABELS.length;
  const data = new Float32Array(frames * n).fill(0.05);
  for (const [label, f, v] of bumps) data[f * n + LABELS.indexOf(label)] = v;
  return { data, frames, fps: FPS, labels: LABELS };
}

/** A filter whose snare model says: a snare peak is real unless a hi-hat peaks within 2 frames of it. */
const HAT_VETO: NoteFilter = {
  labels: LABELS,
  floor: 0.3,
  lanes: {
    snare: {
      // vector: [logit(snare), snare - mean, logit(max kick), logit(max hi-hat)]
      mean: [0, 0, 0, 0],
      std: [1, 1, 1, 1],
      weights: [0, 0, 0, -2],
      bias: -3,
      threshold: 0.5,
    },
  },
};

test("note_filter - a candidate's vector: its logit, its rise over the neighbourhood, the others' maxima within 2 frames", () => {
  const a = acts([["snare", 100, 0.8], ["hihat_closed", 102, 0.9], [
    "kick",
    103,
    0.7,
  ]]);
  const v = candidateVector(a, 1, 100);
  assert.equal(v.length, LABELS.length + 1);
  assert.ok(Math.abs(v[0] - logit(0.8)) < 1e-6);
  // mean over frames 91..106 (16 frames): one 0.8, fifteen 0.05
  assert.ok(Math.abs(v[1] - (0.8 - (0.8 + 15 * 0.05) / 16)) < 1e-6);
  assert.ok(
    Math.abs(v[2] - logit(0.05)) < 1e-6,
    "the kick 3 frames away is outside the context",
  );
  assert.ok(
    Math.abs(v[3] - logit(0.9)) < 1e-6,
    "the hi-hat 2 frames away is inside",
  );
  const edge = candidateVector(acts([["snare", 0, 0.9]]), 1, 0);
  assert.ok(
    Number.isFinite(edge[1]),
    "a peak on the first frame has a neighbourhood too",
  );
});

test("note_filter - peaks are kept by their lane's probability; other lanes pass unchanged", () => {
  const a = acts([["snare", 50, 0.6], ["snare", 150, 0.9], [
    "hihat_closed",
    151,
    0.95,
  ], ["kick", 200, 0.9]]);
  const snare = pickPeaks(a.data.filter((_, i) => i % 3 === 1), FPS, {
    threshold: 0.3,
  });
  assert.deepEqual(snare.map((p) => p.frame), [50, 150]);
  assert.ok(onsetProbability(a, 1, 50, HAT_VETO.lanes.snare) > 0.5);
  assert.ok(onsetProbability(a, 1, 150, HAT_VETO.lanes.snare) < 0.5);
  assert.deepEqual(
    filterPeaks(a, "snare", snare, HAT_VETO).map((p) => p.frame),
    [50],
  );
  const kick = pickPeaks(a.data.filter((_, i) => i % 3 === 0), FPS, {
    threshold: 0.3,
  });
  assert.deepEqual(filterPeaks(a, "kick", kick, HAT_VETO), kick);
});

test("note_filter - activations of other columns than the filter's are refused", () => {
  const a = { ...acts([]), labels: ["kick", "hihat_closed", "snare"] };
  assert.throws(
    () => filterPeaks(a, "snare", [], HAT_VETO),
    /fitted on columns kick,snare,hihat_closed/,
  );
});

test("note_filter - the schema refuses sizes that disagree and lanes it has no column for", () => {
  assert.ok(noteFilterSchema.safeParse(HAT_VETO).success);
  const short = {
    ...HAT_VETO,
    lanes: { snare: { ...HAT_VETO.lanes.snare, weights: [0, 0, -2] } },
  };
  assert.match(
    noteFilterSchema.safeParse(short).error?.issues[0].message ?? "",
    /sizes disagree/,
  );
  const stranger = { ...HAT_VETO, lanes: { ride: HAT_VETO.lanes.snare } };
  assert.equal(noteFilterSchema.safeParse(stranger).success, false);
  assert.equal(
    noteFilterSchema.safeParse({ ...HAT_VETO, floor: 1.5 }).success,
    false,
  );
});

/** Beats every 0.25 s over the 3 s, two to a bar: a bar is 0.5 s. */
const GRID = {
  beats: Array.from({ length: 13 }, (_, k) => k * 0.25),
  beatsPerBar: 2,
};

test("note_filter - bar repetition: the lane's strongest activation at the same bar position, two bars each way", () => {
  // a snare 0.1 s into the bars at 0.5, 1.0 and 2.0 s; the one at 1.5 s is the candidate
  const a = acts([["snare", 60, 0.9], ["snare", 111, 0.8], [
    "snare",
    160,
    0.4,
  ], ["snare", 210, 0.9]]);
  const [max, mean] = barRepetition(a, 1, 160, GRID);
  assert.ok(Math.abs(max - logit(0.9)) < 1e-6);
  // 2.6 s (two bars on) holds nothing but the floor; 1.11 s is one frame off the position, inside the context
  assert.ok(Math.abs(mean - logit((0.9 + 0.8 + 0.9 + 0.05) / 4)) < 1e-6);
  assert.deepEqual(barRepetition(a, 1, 160, null), [0, 0], "no grid: neutral");
  const lone = acts([["snare", 160, 0.4]]);
  assert.ok(
    barRepetition(lone, 1, 160, GRID)[0] < logit(0.06),
    "a peak alone at its bar position reads the floor",
  );
  const last = barRepetition(a, 1, 295, GRID);
  assert.ok(
    Math.abs(last[0] - logit(0.05)) < 1e-6,
    "near the end only the bars before count",
  );
});

test("note_filter - a lane with bar features reads them after the context vector", () => {
  const a = acts([["snare", 60, 0.9], ["snare", 110, 0.9], [
    "snare",
    160,
    0.4,
  ]]);
  const plain = laneVector(a, 1, 160, {}, GRID);
  assert.deepEqual(plain, candidateVector(a, 1, 160));
  const withBars = laneVector(a, 1, 160, { bars: true }, GRID);
  assert.equal(withBars.length, LABELS.length + 3);
  assert.deepEqual([...withBars.slice(0, -2)], [...plain]);
  assert.deepEqual([...withBars.slice(-2)], barRepetition(a, 1, 160, GRID));
  // a filter that keeps a quiet snare only where the pattern has one: the same peak, kept or not by its bars
  const PATTERN: NoteFilter = {
    labels: LABELS,
    floor: 0.3,
    lanes: {
      snare: {
        mean: [0, 0, 0, 0, 0, 0],
        std: [1, 1, 1, 1, 1, 1],
        weights: [0, 0, 0, 0, 2, 0],
        bias: 0,
        threshold: 0.5,
        bars: true,
      },
    },
  };
  assert.ok(noteFilterSchema.safeParse(PATTERN).success);
  const peak = [{ frame: 160, time: 1.6, strength: 0.4 }];
  assert.equal(filterPeaks(a, "snare", peak, PATTERN, GRID).length, 1);
  const alone = acts([["snare", 160, 0.4]]);
  assert.equal(filterPeaks(alone, "snare", peak, PATTERN, GRID).length, 0);
  const missing = {
    ...PATTERN,
    lanes: { snare: { ...PATTERN.lanes.snare, bars: false } },
  };
  assert.match(
    noteFilterSchema.safeParse(missing).error?.issues[0].message ?? "",
    /sizes disagree/,
  );
});

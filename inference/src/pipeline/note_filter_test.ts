import assert from "node:assert/strict";
import { test } from "node:test";
import {
  candidateVector,
  filterPeaks,
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

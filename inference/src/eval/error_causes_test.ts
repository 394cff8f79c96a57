import assert from "node:assert/strict";
import { test } from "node:test";
import type { NoteFilter } from "../pipeline/note_filter.ts";
import { quantizeNotes } from "../pipeline/quantize.ts";
import type { Activations } from "../pipeline/types.ts";
import {
  GHOST_SUFFIX,
  MISS_CAUSES,
  missCauses,
  sumCauses,
} from "./error_causes.ts";
import { scoreTrack, summarize } from "./evaluate.ts";
import { formatMisses } from "./report_format.ts";

const FPS = 100;
const LABELS = ["snare", "hihat_closed", "hihat_open", "beat"];

/** Activations at 0.05 with `[label, from, to, value]` spans [seconds] set. */
function activations(spans: [string, number, number, number][]): Activations {
  const frames = 8 * FPS, n = LABELS.length;
  const data = new Float32Array(frames * n).fill(0.05);
  for (const [label, from, to, value] of spans) {
    const c = LABELS.indexOf(label);
    for (let f = Math.round(from * FPS); f <= Math.round(to * FPS); f++) {
      data[f * n + c] = value;
    }
  }
  return { data, frames, fps: FPS, labels: LABELS };
}

/** Keeps a snare peak when its activation passes 0.6 (the logit of its own activation, less logit(0.6)). */
const noteFilter: NoteFilter = {
  labels: LABELS,
  floor: 0.3,
  lanes: {
    snare: {
      mean: [0, 0, 0, 0, 0],
      std: [1, 1, 1, 1, 1],
      weights: [1, 0, 0, 0, 0],
      bias: -Math.log(0.6 / 0.4),
      threshold: 0.5,
    },
  },
};

const act = activations([
  ["snare", 1, 1, 0.9], // found
  ["snare", 3, 3, 0.45], // a candidate the filter rejects
  ["snare", 4, 4, 0.9], // one note for a flam's two strokes
  ["snare", 4.7, 5.3, 0.8], // above the threshold all along: one peak where it starts, none at 5.0
  ["hihat_closed", 6, 6, 0.6], // a closed hi-hat peak ...
  ["hihat_open", 6.01, 6.01, 0.9], // ... that a stronger open one outvotes
]);
const truth = {
  notes: [
    { time: 1, lane: "snare", velocity: 100 },
    { time: 2, lane: "snare", velocity: 30 }, // a ghost note the model never heard
    { time: 3, lane: "snare", velocity: 100 },
    { time: 4, lane: "snare", velocity: 100 },
    { time: 4.02, lane: "snare", velocity: 100 },
    { time: 5, lane: "snare", velocity: 100 },
    { time: 6, lane: "hihat_closed", velocity: 100 },
  ],
};

test("error causes - each missed stroke is traced to the pipeline step that lost it", () => {
  const { notes } = quantizeNotes(act, [], { noteFilter });
  const causes = missCauses(act, truth, notes, { noteFilter }, null, 50);
  assert.deepEqual(causes.snare, {
    [MISS_CAUSES.belowThreshold + GHOST_SUFFIX]: 1,
    [MISS_CAUSES.rejected]: 1,
    [MISS_CAUSES.taken]: 1,
    [MISS_CAUSES.noPeak]: 1,
  });
  assert.deepEqual(causes.hihat_closed, { [MISS_CAUSES.otherHiHat]: 1 });
  // lanes without a column (the model has no kick here) have nothing to miss when nothing was played
  assert.deepEqual(causes.kick, {});
});

test("error causes - a lane the model has no column for misses everything below the threshold", () => {
  const causes = missCauses(
    act,
    { notes: [{ time: 1, lane: "kick", velocity: 100 }] },
    [],
    {},
    null,
    50,
  );
  assert.deepEqual(causes.kick, { [MISS_CAUSES.belowThreshold]: 1 });
});

test("error causes - without a note filter nothing is rejected: the quiet peak is below the plain threshold", () => {
  const { notes } = quantizeNotes(act, []);
  const causes = missCauses(act, truth, notes, {}, null, 50);
  assert.equal(causes.snare[MISS_CAUSES.belowThreshold], 1);
  assert.equal(causes.snare[MISS_CAUSES.rejected], undefined);
});

test("error causes - cause counts add up over tracks, and the report prints them per lane", () => {
  assert.deepEqual(
    sumCauses([{ snare: { a: 1, b: 2 } }, { snare: { a: 3 }, kick: { c: 1 } }]),
    { snare: { a: 4, b: 2 }, kick: { c: 1 } },
  );
  const score = scoreTrack(act, {
    id: "t",
    style: "rock",
    meter: "4/4",
    bpm: 120,
    source: "kitA",
    accompaniment: null,
    durationSec: 8,
    notes: truth.notes,
    beats: Array.from({ length: 16 }, (_, k) => k / 2),
    downbeats: [0, 2, 4, 6],
  }, { noteFilter });
  const report = summarize([score, score]);
  assert.equal(report.misses.snare[MISS_CAUSES.rejected], 2);
  const lines = formatMisses(report, ["snare", "kick"]).split("\n");
  assert.match(lines[0], /^missed snare \(8\): 2 /);
  assert.match(lines[0], /2 rejected by the note filter/);
  assert.equal(lines[1], "missed kick (0)");
});

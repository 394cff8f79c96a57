import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addCounts,
  beatFMeasure,
  matchEvents,
  matchWithExtras,
  prf,
  tempoAccuracy,
  tempoOfBeats,
} from "./metrics.ts";

test("metrics - events inside the window match one to one, outside do not", () => {
  assert.deepEqual(matchEvents([1.0, 2.04, 3.2], [1.01, 2.0, 3.0], 0.05), {
    tp: 2,
    fp: 1,
    fn: 1,
  });
  // two detections near one reference: only one can match it
  assert.deepEqual(matchEvents([0.99, 1.01], [1.0], 0.05), {
    tp: 1,
    fp: 1,
    fn: 0,
  });
  // a detection between two references is used once
  assert.deepEqual(matchEvents([1.03], [1.0, 1.06], 0.05), {
    tp: 1,
    fp: 0,
    fn: 1,
  });
});

test("metrics - matching is maximal: an early detection does not steal a later reference's only partner", () => {
  // det 1.04 can pair with ref 1.0 or 1.08; det 1.12 only with 1.08 -> two matches
  assert.deepEqual(matchEvents([1.04, 1.12], [1.0, 1.08], 0.05), {
    tp: 2,
    fp: 0,
    fn: 0,
  });
  assert.deepEqual(matchEvents([1.12, 1.04], [1.08, 1.0], 0.05), {
    tp: 2,
    fp: 0,
    fn: 0,
  });
});

test("metrics - F-measure, precision and recall from counts; pooled counts add", () => {
  const c = addCounts({ tp: 8, fp: 2, fn: 0 }, { tp: 2, fp: 0, fn: 8 });
  assert.deepEqual(c, { tp: 10, fp: 2, fn: 8 });
  const r = prf(c);
  assert.equal(r.precision, 10 / 12);
  assert.equal(r.recall, 10 / 18);
  assert.equal(r.f, 20 / 30);
  assert.equal(prf({ tp: 0, fp: 0, fn: 0 }).f, 1);
  assert.equal(prf({ tp: 0, fp: 3, fn: 0 }).f, 0);
});

test("metrics - beat F-measure uses +-70 ms and can skip the first seconds", () => {
  const ref = [0.5, 1.0, 1.5, 2.0];
  assert.equal(beatFMeasure([0.56, 1.06, 1.44, 2.0], ref), 1);
  assert.equal(beatFMeasure([0.58, 1.08, 1.42, 1.92], ref), 0);
  assert.equal(beatFMeasure([0.0, 2.0], ref, 1.9), 1);
});

test("metrics - tempo from the median beat interval; Acc1 within 4 %, Acc2 forgives octave errors", () => {
  assert.equal(Math.round(tempoOfBeats([0, 0.5, 1.0, 1.5, 2.6])), 120);
  assert.equal(tempoOfBeats([1]), 0);
  assert.deepEqual(tempoAccuracy(123, 120), { acc1: true, acc2: true });
  assert.deepEqual(tempoAccuracy(126, 120), { acc1: false, acc2: false });
  assert.deepEqual(tempoAccuracy(241, 120), { acc1: false, acc2: true });
  assert.deepEqual(tempoAccuracy(40, 120), { acc1: false, acc2: true });
  assert.throws(() => tempoAccuracy(120, 0), /positive/);
});

test("metrics - the unmatched detections are the matching's false positives", () => {
  const extras = (d: number[], r: number[], tol = 0.05) =>
    matchWithExtras(d, r, tol).extras;
  assert.deepEqual(extras([2.5, 1.03, 1.0], [1.01]), [1.03, 2.5]);
  assert.deepEqual(matchWithExtras([2.5, 1.03, 1.0], [1.01], 0.05).counts, {
    tp: 1,
    fp: 2,
    fn: 0,
  });
  assert.deepEqual(extras([1.04, 1.12], [1.0, 1.08]), []);
  assert.deepEqual(extras([1.0], []), [1.0]);
  assert.throws(() => matchWithExtras([1], [1], -1), RangeError);
});

test("metrics - the references a matching leaves without a detection are its misses", () => {
  const missed = (d: number[], r: number[]) =>
    matchWithExtras(d, r, 0.05).missed;
  assert.deepEqual(missed([1.0, 3.0], [2.0, 1.02, 3.2]), [2.0, 3.2]);
  // a flam: one detection serves only one of two strokes 20 ms apart
  assert.deepEqual(missed([1.01], [1.0, 1.02]), [1.02]);
  assert.deepEqual(missed([], [1.0]), [1.0]);
  assert.deepEqual(missed([1.0], []), []);
});

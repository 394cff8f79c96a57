import assert from "node:assert/strict";
import { test } from "node:test";
import { pickPeaks } from "./peaks.ts";

/** 100 fps activation: background `floor` with triangular bumps of `height` at `times` [seconds]. */
function bumps(
  times: number[],
  heights: number[],
  floor = 0.05,
  seconds = 3,
): Float32Array {
  const a = new Float32Array(seconds * 100).fill(floor);
  times.forEach((t, i) => {
    const f = Math.round(t * 100);
    [-1, 0, 1].forEach((
      d,
    ) => (a[f + d] = Math.max(
      a[f + d],
      d === 0 ? heights[i] : heights[i] * 0.6,
    )));
  });
  return a;
}

test("peaks - finds each bump at its time with its strength", () => {
  const peaks = pickPeaks(bumps([0.5, 1.0, 2.25], [0.9, 0.7, 0.95]), 100);
  assert.deepEqual(peaks.map((p) => p.time), [0.5, 1.0, 2.25]);
  assert.deepEqual(peaks.map((p) => Math.round(p.strength * 100)), [
    90,
    70,
    95,
  ]);
});

test("peaks - threshold drops weak bumps; delta drops bumps that barely rise above their surroundings", () => {
  assert.deepEqual(
    pickPeaks(bumps([0.5, 1.0], [0.9, 0.4]), 100).map((p) => p.time),
    [0.5],
  );
  const plateau = new Float32Array(300).fill(0.6);
  plateau[150] = 0.65;
  assert.deepEqual(pickPeaks(plateau, 100), []);
  assert.deepEqual(
    pickPeaks(plateau, 100, { delta: 0.01 }).map((p) => p.time),
    [1.5],
  );
});

test("peaks - peaks closer than the minimum inter-onset interval merge into the first", () => {
  const a = bumps([1.0, 1.05], [0.9, 0.8]);
  assert.equal(pickPeaks(a, 100).length, 2);
  assert.deepEqual(
    pickPeaks(a, 100, { combineSec: 0.1, preMaxSec: 0.01, postMaxSec: 0.01 })
      .map((p) => p.time),
    [1.0],
  );
  assert.throws(() => pickPeaks(a, 0), RangeError);
});

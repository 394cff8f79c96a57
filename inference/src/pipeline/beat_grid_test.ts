import assert from "node:assert/strict";
import { test } from "node:test";
import {
  barGrid,
  beatPosition,
  beatTime,
  sameBarPosition,
} from "./beat_grid.ts";

const beats = Array.from({ length: 9 }, (_, k) => 1 + k * 0.5); // 120 bpm from 1 s

test("beat_grid - beat positions interpolate between beats and extrapolate outside", () => {
  assert.equal(beatPosition(beats, 1.25), 0.5);
  assert.equal(beatPosition(beats, 0.75), -0.5);
  assert.equal(beatPosition(beats, 5.5), 9);
  assert.equal(beatTime(beats, 2.75), 2.375);
});

test("beat_grid - a bar is the most common number of beats between downbeats", () => {
  const long = Array.from({ length: 25 }, (_, k) => k * 0.5);
  // bars of 3 beats, one of them misplaced by the tracker (a bar of 4 and one of 2)
  const downbeats = [0, 1.5, 3, 5, 6, 7.5, 9];
  assert.deepEqual(barGrid(long, downbeats), { beats: long, beatsPerBar: 3 });
  assert.equal(
    barGrid(long, [0, 2, 3])?.beatsPerBar,
    2,
    "a tie goes to the shorter bar",
  );
  assert.equal(barGrid(long, [1]), null, "one downbeat places no bar");
  assert.equal(barGrid(beats.slice(0, 3), [1, 2]), null, "too few beats");
});

test("beat_grid - the same bar position is found bars away, inside the tracked beats only", () => {
  const swing = [0, 0.5, 1, 1.6, 2.2, 2.8, 3.4, 3.9, 4.4]; // the tempo changes in the middle
  const grid = { beats: swing, beatsPerBar: 2 };
  // 1.3 is half-way through beat 2 (1 .. 1.6); two beats later is half-way through beat 4 (2.2 .. 2.8)
  const [before, after] = sameBarPosition(grid, 1.3, [-1, 1]);
  assert.ok(Math.abs(before - 0.25) < 1e-9, `one bar before: ${before}`);
  assert.ok(Math.abs(after - 2.5) < 1e-9, `one bar after: ${after}`);
  assert.deepEqual(
    sameBarPosition(grid, 1.3, [-2, 2, 4]).map((t) =>
      Math.round(t * 100) / 100
    ),
    [3.65],
    "two bars before the first beat and four bars on past the last are left out",
  );
});

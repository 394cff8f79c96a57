import assert from "node:assert/strict";
import { test } from "node:test";
import {
  COMPARED,
  figuresOf,
  formatPaired,
  pairedBootstrap,
} from "./bootstrap.ts";
import type { TrackScore } from "./evaluate.ts";

/** A track's score with only what the comparison reads: lane counts and beat F. */
function track(
  id: string,
  kick: [number, number, number],
  snare: [number, number, number],
  beatF = 1,
): TrackScore {
  const c = ([tp, fp, fn]: [number, number, number]) => ({ tp, fp, fn });
  return {
    id,
    counts: { kick: c(kick), snare: c(snare), hihat_all: c([10, 0, 0]) },
    beatF,
  } as unknown as TrackScore;
}

const base = Array.from(
  { length: 30 },
  (_, i) => track(`${i}`, [10, i % 3, 1], [8, 1, i % 4]),
);

test("figures pool lane counts over the picked tracks, repeats included, and average beat F", () => {
  const scores = [
    track("a", [9, 1, 0], [1, 0, 1], 1),
    track("b", [1, 0, 1], [0, 0, 0], 0.5),
  ];
  const f = figuresOf(scores, [0, 0, 1]);
  assert.equal(f.kick, (2 * 19) / (2 * 19 + 2 + 1));
  assert.equal(f.snare, (2 * 2) / (2 * 2 + 2));
  assert.ok(Math.abs(f.beat - 2.5 / 3) < 1e-12);
  assert.ok(
    Math.abs(f.headline - (f.kick + f.snare + f.hihat_all + f.beat) / 4) <
      1e-12,
  );
});

test("the same scores differ by nothing, with a zero-width interval", () => {
  const r = pairedBootstrap(base, base, { resamples: 200 });
  for (const k of COMPARED) {
    assert.deepEqual(r[k], { diff: 0, low: 0, high: 0 });
  }
});

test("a model with fewer false kicks on every track has its kick gain bounded away from 0", () => {
  const better = base.map((s, i) => track(s.id, [10, 0, 1], [8, 1, i % 4]));
  const r = pairedBootstrap(base, better, { resamples: 500 });
  assert.ok(r.kick.diff > 0 && r.kick.low > 0, JSON.stringify(r.kick));
  assert.deepEqual(r.snare, { diff: 0, low: 0, high: 0 });
  assert.ok(r.headline.low > 0);
});

test("a gain on one track of thirty and a loss on another is within chance", () => {
  const mixed = base.map((s, i) =>
    i === 0
      ? track(s.id, [10, 0, 0], [8, 1, 0])
      : i === 1
      ? track(s.id, [9, 2, 2], [8, 1, 1])
      : s
  );
  const r = pairedBootstrap(base, mixed, { resamples: 500 });
  assert.ok(r.kick.low < 0 && r.kick.high > 0, JSON.stringify(r.kick));
});

test("resamples repeat with the seed, and mismatched track lists are refused", () => {
  const other = base.map((
    s,
    i,
  ) => (i % 5 ? s : track(s.id, [10, 0, 0], [9, 0, 0])));
  assert.deepEqual(
    pairedBootstrap(base, other, { seed: 7 }),
    pairedBootstrap(base, other, { seed: 7 }),
  );
  assert.throws(() => pairedBootstrap(base, base.slice(1)), /same tracks/);
  assert.throws(() => pairedBootstrap(base, [...base].reverse()), /track 0/);
});

test("the line names both models and signs each difference", () => {
  const line = formatPaired(
    "new",
    "old",
    30,
    pairedBootstrap(base, base, { resamples: 10 }),
  );
  assert.match(line, /^new - old, paired bootstrap over the 30 tracks/);
  assert.match(line, /kick \+0\.000 \[\+0\.000, \+0\.000\]/);
});

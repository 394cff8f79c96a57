import assert from "node:assert/strict";
import { test } from "node:test";
import { prng as random } from "../testing/synth.ts";
import { fitLogistic, fitStandardised, solveSpd } from "./logistic.ts";

test("logistic - solveSpd solves a symmetric positive definite system", () => {
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

test("logistic - logistic regression recovers the weights that generated the labels", () => {
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

test("logistic - fitStandardised returns the standardisation and weights on the standardised rows", () => {
  const rnd = random(3);
  const x: Float64Array[] = [], y: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const raw = 100 + 10 * (rnd() * 2 - 1); // far from zero and wide: only standardised does one penalty suit it
    x.push(Float64Array.from([raw]));
    y.push(rnd() < 1 / (1 + Math.exp(-(raw - 100) / 2)) ? 1 : 0);
  }
  const f = fitStandardised(x, y, 1e-6);
  assert.ok(Math.abs(f.mean[0] - 100) < 0.5, `mean ${f.mean[0]}`);
  assert.ok(Math.abs(f.std[0] - 10 / Math.sqrt(3)) < 0.3, `std ${f.std[0]}`);
  // a slope of 1/2 per unit is std/2 per standard deviation
  assert.ok(
    Math.abs(f.weights[0] - f.std[0] / 2) < 0.6,
    `weight ${f.weights[0]}`,
  );
  assert.ok(Math.abs(x[0][0]) < 2, "rows are standardised in place");
  assert.throws(() => fitStandardised([], [], 0.01), /no rows/);
});

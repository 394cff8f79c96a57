import assert from "node:assert/strict";
import { test } from "node:test";
import { FRONTEND } from "../../models/build_band_energy_onset_detector.ts";
import {
  bandCenters,
  computeFeatures,
  frameCount,
  melFilterbank,
  RealFft,
} from "./features.ts";

test("features - real FFT magnitudes equal a naive DFT", () => {
  const n = 64;
  const x = Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) * 0.1,
  );
  const out = new Float32Array(n / 2 + 1);
  new RealFft(n).magnitude(x, out);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0, im = 0;
    x.forEach((
      v,
      t,
    ) => ((re += v * Math.cos((2 * Math.PI * k * t) / n)),
      (im -= v * Math.sin((2 * Math.PI * k * t) / n)))
    );
    assert.ok(
      Math.abs(out[k] - Math.hypot(re, im)) < 1e-4,
      `bin ${k}: ${out[k]} vs ${Math.hypot(re, im)}`,
    );
  }
  assert.throws(() => new RealFft(100), RangeError);
});

test("features - frame count is floor(samples / hop) + 1", () => {
  for (const n of [0, 1, 255, 256, 257, 22050]) {
    const f = computeFeatures(new Float32Array(n), FRONTEND);
    assert.equal(f.frames, frameCount(n, FRONTEND.hopSize));
    assert.equal(f.frames, Math.floor(n / 256) + 1);
    assert.equal(f.data.length, f.frames * FRONTEND.bands);
  }
});

test("features - a sine puts its energy in the band around its frequency", () => {
  const centres = bandCenters(FRONTEND);
  for (const hz of [100, 1000, 6000]) {
    const x = Float32Array.from(
      { length: 22050 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 22050),
    );
    const f = computeFeatures(x, FRONTEND);
    const row = f.data.subarray(40 * f.bands, 41 * f.bands);
    const loudest = row.indexOf(Math.max(...row));
    const nearest = centres.reduce(
      (
        best,
        c,
        b,
      ) => (Math.abs(c - hz) < Math.abs(centres[best] - hz) ? b : best),
      0,
    );
    assert.ok(
      Math.abs(loudest - nearest) <= 1,
      `${hz} Hz: loudest band ${loudest} (${centres[loudest]} Hz)`,
    );
    const median = [...row].sort((a, b) => a - b)[row.length >> 1];
    assert.ok(
      row[loudest] > 0.3 && row[loudest] > 10 * median,
      `${hz} Hz: ${row[loudest]} vs median ${median}`,
    );
  }
});

test("features - every mel filter sums to 1 and the output is deterministic", () => {
  for (const w of melFilterbank(FRONTEND)) {
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  const x = Float32Array.from(
    { length: 5000 },
    (_, i) => Math.sin(i * i * 1e-4),
  );
  assert.deepEqual(
    computeFeatures(x, FRONTEND).data,
    computeFeatures(x, FRONTEND).data,
  );
});

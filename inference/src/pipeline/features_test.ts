import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { FRONTEND } from "../../models/build_band_energy_onset_detector.ts";
import {
  bandCenters,
  computeFeatures,
  FeatureStream,
  frameCount,
  type FrontendConfig,
  hann,
  melFilterbank,
} from "./features.ts";
import { FrameKernel } from "./kernel/features_kernel.ts";

/** The plain per-frame loop over the whole signal (computeFeatures before streaming), as the reference. */
function referenceFeatures(x: Float32Array, cfg: FrontendConfig): Float32Array {
  const { frameSize: n, hopSize: hop, bands } = cfg;
  const frames = frameCount(x.length, hop);
  const window = hann(n), filters = melFilterbank(cfg);
  const frame = new Float64Array(n);
  const out = new Float32Array(frames * bands);
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < n; i++) {
      const s = t * hop - n / 2 + i;
      frame[i] = s >= 0 && s < x.length ? x[s] * window[i] : 0;
    }
    const mag = Float32Array.from(plainRealFftMagnitude(frame));
    for (let b = 0; b < bands; b++) {
      let acc = 0;
      for (let k = 0; k < mag.length; k++) {
        if (filters[b][k] !== 0) acc += filters[b][k] * mag[k];
      }
      out[t * bands + b] = Math.log10(1 + cfg.logMul * acc * (4 / n));
    }
  }
  return out;
}

/** Fails at the first value whose bits differ (so -0 vs 0 and NaN payloads count). */
function assertSameBits(
  actual: Float32Array,
  expected: Float32Array,
  what: string,
) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(
    expected.buffer,
    expected.byteOffset,
    expected.length,
  );
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      assert.fail(
        `${what}: value ${i} is ${actual[i]}, expected ${expected[i]}`,
      );
    }
  }
}

const signal = (length: number) =>
  Float32Array.from(
    { length },
    (_, i) =>
      0.6 * Math.sin(i * 0.031) * Math.sin(i * i * 3e-6) +
      ((i * 7919) % 13) / 40 - 0.15,
  );

/** The kernel's |FFT| of `x` (float32 magnitudes): a window of ones and one band per FFT bin. */
function kernelMagnitudes(x: Float32Array): Float32Array {
  const n = x.length;
  const bins = Array.from(
    { length: n / 2 + 1 },
    (_, k) => ({ first: k, weights: Float32Array.of(1) }),
  );
  const kernel = new FrameKernel(n, n, new Float32Array(n).fill(1), bins, n);
  kernel.pcm.set(x);
  return Float32Array.from(kernel.bandSums(0, 1));
}

test("features - the kernel's FFT magnitudes equal a naive DFT", () => {
  // 4 and 8: no paired pass; 16, 64, 256: a lone last stage or none after the pairs
  for (const n of [4, 8, 16, 32, 64, 256]) {
    const x = Float32Array.from(
      { length: n },
      (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) * 0.1,
    );
    const out = kernelMagnitudes(x);
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
        `n ${n} bin ${k}: ${out[k]} vs ${Math.hypot(re, im)}`,
      );
    }
  }
  assert.throws(() => kernelMagnitudes(new Float32Array(100)), RangeError);
});

/** A plain one-stage-at-a-time radix-2 FFT in float64: the kernel pairs stages and runs two butterflies at a time. */
function plainRealFftMagnitude(x: Float64Array): Float64Array {
  const n = x.length, m = n / 2, bits = Math.log2(m);
  const re = new Float64Array(m), im = new Float64Array(m);
  const cos = (k: number) => Math.cos((2 * Math.PI * k) / n);
  const sin = (k: number) => Math.sin((2 * Math.PI * k) / n);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    re[r] = x[2 * i], im[r] = x[2 * i + 1];
  }
  for (let len = 2; len <= m; len <<= 1) {
    for (let start = 0; start < m; start += len) {
      for (let j = 0; j < len / 2; j++) {
        const c = cos((j * n) / len), s = sin((j * n) / len);
        const a = start + j, b = a + len / 2;
        const tr = re[b] * c + im[b] * s, ti = im[b] * c - re[b] * s;
        re[b] = re[a] - tr, im[b] = im[a] - ti;
        re[a] += tr, im[a] += ti;
      }
    }
  }
  return Float64Array.from({ length: m + 1 }, (_, k) => {
    const k1 = k % m, k2 = (m - k) % m;
    const er = (re[k1] + re[k2]) / 2, ei = (im[k1] - im[k2]) / 2;
    const or = (im[k1] + im[k2]) / 2, oi = -(re[k1] - re[k2]) / 2;
    const c = k < m ? cos(k) : -1, s = k < m ? sin(k) : 0;
    const xr = er + c * or + s * oi, xi = ei + c * oi - s * or;
    return Math.sqrt(xr * xr + xi * xi);
  });
}

test("features - the kernel's FFT gives the plain radix-2 FFT's magnitudes bit for bit", () => {
  for (const n of [4, 8, 16, 32, 64, 1024, 2048]) {
    for (let seed = 1; seed <= 5; seed++) {
      const x = Float32Array.from(
        { length: n },
        (_, i) =>
          Math.sin(i * seed * 0.37) * Math.cos(i * i * 1e-3) +
          ((i * seed) % 7) / 9,
      );
      const out = kernelMagnitudes(x);
      const expected = plainRealFftMagnitude(Float64Array.from(x));
      for (let k = 0; k <= n / 2; k++) {
        assert.equal(
          out[k],
          Math.fround(expected[k]),
          `n ${n} seed ${seed} bin ${k}`,
        );
      }
    }
  }
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

test("features - computeFeatures equals the plain per-frame loop bit for bit", () => {
  for (const n of [0, 1, 300, 1023, 1024, 22127]) {
    const x = signal(n);
    assertSameBits(
      computeFeatures(x, FRONTEND).data,
      referenceFeatures(x, FRONTEND),
      `${n} samples`,
    );
  }
});

test("features - a stream pushed in odd-sized chunks equals the one-shot features bit for bit", () => {
  const patterns = [[1], [255], [4097], [1, 255, 0, 4097, 3, 1024, 511], [
    100_000,
  ]];
  // shorter than half a frame, than a frame, on and off hop and frame boundaries, and a few seconds
  for (
    const n of [
      0,
      1,
      2,
      255,
      256,
      511,
      512,
      513,
      1023,
      1024,
      1025,
      3000,
      22050 + 77,
    ]
  ) {
    const x = signal(n), expected = computeFeatures(x, FRONTEND);
    for (const sizes of patterns) {
      const stream = new FeatureStream(FRONTEND);
      for (let at = 0, i = 0; at < n; i++) {
        const size = sizes[i % sizes.length];
        stream.push(x.subarray(at, at + size));
        at += size;
      }
      assert.equal(stream.samples, n);
      const got = stream.finish();
      assert.equal(got.frames, expected.frames);
      assert.equal(got.bands, FRONTEND.bands);
      assertSameBits(
        got.data,
        expected.data,
        `${n} samples in chunks of ${sizes.join(",")}`,
      );
    }
  }
});

test("features - a stream computes frames as soon as their window is complete and refuses use after finish", () => {
  const stream = new FeatureStream(FRONTEND);
  const { frameSize: n, hopSize: hop } = FRONTEND;
  stream.push(new Float32Array(n / 2 - 1));
  assert.equal(stream.frames, 0);
  stream.push(new Float32Array(1));
  assert.equal(stream.frames, 1);
  stream.push(new Float32Array(10 * hop));
  assert.equal(stream.frames, 11);
  assert.equal(stream.finish().frames, frameCount(n / 2 + 10 * hop, hop));
  assert.throws(() => stream.push(new Float32Array(1)), /after finish/);
  assert.throws(() => stream.finish(), /twice/);
});

const hasClang = spawnSync("clang-14", ["--version"]).status === 0;
test(
  "features - the committed kernel is what build.sh makes of features_kernel.c",
  {
    skip: !hasClang &&
      "clang-14 is not installed (apt-get install clang-14 lld-14)",
  },
  () => {
    const dir = mkdtempSync(`${tmpdir()}/beatsight-kernel-`);
    try {
      const build = fileURLToPath(
        new URL("./kernel/build.sh", import.meta.url),
      );
      const res = spawnSync("bash", [build], {
        env: { ...process.env, OUT: `${dir}/k.wasm` },
        encoding: "utf8",
      });
      assert.equal(res.status, 0, res.stderr);
      const committed = readFileSync(
        new URL("./kernel/features_kernel.wasm", import.meta.url),
      );
      assert.ok(
        readFileSync(`${dir}/k.wasm`).equals(committed),
        "rebuild features_kernel.wasm with kernel/build.sh",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

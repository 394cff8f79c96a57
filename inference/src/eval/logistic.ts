/**
 * L2-regularised logistic regression by Newton's method, for the stages fitted on a model's activations (the
 * downbeat stage, the note filter). Rows are standardised first, so one penalty suits every feature.
 */

/** Solves the symmetric positive definite system `a x = b` (n x n, row-major) by Cholesky; `a` is overwritten. */
export function solveSpd(
  a: Float64Array,
  b: Float64Array,
  n: number,
): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] ** 2;
    if (!(d > 0)) throw new RangeError("matrix is not positive definite");
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) y[i] -= a[i * n + k] * y[k];
    y[i] /= a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) y[i] -= a[k * n + i] * y[k];
    y[i] /= a[i * n + i];
  }
  return y;
}

/**
 * L2-regularised logistic regression on rows `x` (each of length m) and 0/1 `y`; returns weights and bias. The
 * bias (parameter m, an implicit 1 on every row) is not penalised. Stops when no weight moves by more than 1e-6.
 */
export function fitLogistic(
  x: readonly Float64Array[],
  y: readonly number[],
  l2: number,
  maxSteps = 25,
): { weights: Float64Array; bias: number } {
  const m = x[0].length, d = m + 1, n = x.length;
  const w = new Float64Array(d);
  for (let step = 0; step < maxSteps; step++) {
    const g = new Float64Array(d), h = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const r = x[i];
      let z = w[m];
      for (let j = 0; j < m; j++) z += w[j] * r[j];
      const p = 1 / (1 + Math.exp(-z)), s = p * (1 - p), e = p - y[i];
      for (let j = 0; j < m; j++) {
        if (r[j] === 0) continue;
        g[j] += e * r[j];
        const sr = s * r[j];
        for (let k = 0; k <= j; k++) h[j * d + k] += sr * r[k];
      }
      g[m] += e;
      for (let k = 0; k < m; k++) h[m * d + k] += s * r[k];
      h[m * d + m] += s;
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) h[k * d + j] = h[j * d + k];
      if (j < d - 1) (g[j] += l2 * n * w[j]), (h[j * d + j] += l2 * n);
      else h[j * d + j] += 1e-9 * n;
    }
    const delta = solveSpd(h, g, d);
    let moved = 0;
    for (let j = 0; j < d; j++) {
      (w[j] -= delta[j]), (moved = Math.max(moved, Math.abs(delta[j])));
    }
    if (moved < 1e-6) break;
  }
  return { weights: w.subarray(0, d - 1), bias: w[d - 1] };
}

/** Weights rounded to 6 significant digits, so fitted files stay small and diff well. */
export function roundWeight(v: number): number {
  return Number(v.toPrecision(6));
}

/**
 * Standardises rows `x` in place (they are the caller's own; a copy can be tens of MB), fits {@link fitLogistic} on
 * them and returns the standardisation with the weights, rounded, as the fitted files store them.
 */
export function fitStandardised(
  x: Float64Array[],
  y: readonly number[],
  l2: number,
  maxSteps?: number,
): { mean: number[]; std: number[]; weights: number[]; bias: number } {
  if (x.length === 0) throw new Error("no rows to fit");
  const d = x[0].length;
  const mean = new Float64Array(d), std = new Float64Array(d);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] += r[j] / x.length;
  for (const r of x) {
    for (let j = 0; j < d; j++) std[j] += (r[j] - mean[j]) ** 2 / x.length;
  }
  for (let j = 0; j < d; j++) std[j] = Math.max(1e-6, Math.sqrt(std[j]));
  for (const r of x) {
    for (let j = 0; j < d; j++) r[j] = (r[j] - mean[j]) / std[j];
  }
  const { weights, bias } = fitLogistic(x, y, l2, maxSteps);
  return {
    mean: Array.from(mean, roundWeight),
    std: Array.from(std, roundWeight),
    weights: Array.from(weights, roundWeight),
    bias: roundWeight(bias),
  };
}

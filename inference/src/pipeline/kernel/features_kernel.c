// The model front end's per-frame work, compiled to WebAssembly (build.sh): Hann window -> real FFT magnitude ->
// sparse mel band sums. features.ts lays out the tables and applies the log. The arithmetic is the plain radix-2
// FFT's, in the same order, with no fused multiply-add (-ffp-contract=off): float64 FFT, float32 magnitudes and
// weights, float64 sums, so the output is the same bit for bit whatever runs it (features_test.ts checks it
// against a plain TypeScript FFT). SIMD runs two butterflies of a stage side by side, each lane doing the scalar
// operations of its own butterfly.
#include <wasm_simd128.h>

#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul
#define LOAD(p) wasm_v128_load(p)
#define STORE(p, v) wasm_v128_store(p, v)

// Tables and scratch space, laid out in the module's memory by features.ts (KernelPlan there).
typedef struct {
  int n;                    // frame size, a power of two >= 4
  int bands;
  const float *window;      // [n]
  const int *rev;           // [n/2] bit reversal of 0..n/2-1
  const double *cos, *sin;  // [n/2] cos, sin of 2 pi k / n
  const double *tw;         // twiddles: per paired pass and pair of butterflies (j, j+1), then a lone stage's
  const int *first, *len;   // per band: its first FFT bin and number of weights
  const float *weights;     // every band's weights, back to back
  double *frame, *re, *im;  // scratch [n], [n/2], [n/2]
  float *mag;               // scratch [n/2 + 1]
} Plan;

// |FFT(frame)| for k = 0..n/2 into mag: one complex FFT of size m = n/2 over (even, odd) samples, then the split.
static void magnitude(const Plan *p) {
  const int m = p->n / 2;
  const double *in = p->frame, *tw = p->tw;
  double *re = p->re, *im = p->im;
  // Loading in bit-reversed order does the first stage (twiddle 1) on the way.
  for (int a = 0; a < m; a += 2) {
    int i0 = 2 * p->rev[a], i1 = i0 + m;
    double r0 = in[i0], j0 = in[i0 + 1], r1 = in[i1], j1 = in[i1 + 1];
    re[a] = r0 + r1, im[a] = j0 + j1;
    re[a + 1] = r0 - r1, im[a + 1] = j0 - j1;
  }
  // Stages 2h and 4h in one pass over blocks of 4h: butterflies (a0, a1), (a2, a3), then (a0, a2), (a1, a3).
  int h = 2, t = 0;
  for (; 4 * h <= m; h *= 4) {
    for (int j = 0; j < h; j += 2, t += 12) {
      v128_t c1 = LOAD(tw + t), s1 = LOAD(tw + t + 2), c2 = LOAD(tw + t + 4);
      v128_t s2 = LOAD(tw + t + 6), c3 = LOAD(tw + t + 8), s3 = LOAD(tw + t + 10);
      for (int a0 = j; a0 < m; a0 += 4 * h) {
        int a1 = a0 + h, a2 = a1 + h, a3 = a2 + h;
        v128_t r0 = LOAD(re + a0), i0 = LOAD(im + a0), r1 = LOAD(re + a1), i1 = LOAD(im + a1);
        v128_t r2 = LOAD(re + a2), i2 = LOAD(im + a2), r3 = LOAD(re + a3), i3 = LOAD(im + a3);
        v128_t tr = ADD(MUL(r1, c1), MUL(i1, s1)), ti = SUB(MUL(i1, c1), MUL(r1, s1));
        r1 = SUB(r0, tr), i1 = SUB(i0, ti), r0 = ADD(r0, tr), i0 = ADD(i0, ti);
        tr = ADD(MUL(r3, c1), MUL(i3, s1)), ti = SUB(MUL(i3, c1), MUL(r3, s1));
        r3 = SUB(r2, tr), i3 = SUB(i2, ti), r2 = ADD(r2, tr), i2 = ADD(i2, ti);
        tr = ADD(MUL(r2, c2), MUL(i2, s2)), ti = SUB(MUL(i2, c2), MUL(r2, s2));
        STORE(re + a2, SUB(r0, tr)), STORE(im + a2, SUB(i0, ti));
        STORE(re + a0, ADD(r0, tr)), STORE(im + a0, ADD(i0, ti));
        tr = ADD(MUL(r3, c3), MUL(i3, s3)), ti = SUB(MUL(i3, c3), MUL(r3, s3));
        STORE(re + a3, SUB(r1, tr)), STORE(im + a3, SUB(i1, ti));
        STORE(re + a1, ADD(r1, tr)), STORE(im + a1, ADD(i1, ti));
      }
    }
  }
  // A lone last stage when the stages after the first are odd in number.
  if (h < m) {
    for (int j = 0; j < h; j++, t += 2) {
      double c = tw[t], s = tw[t + 1];
      int b = j + h;
      double tr = re[b] * c + im[b] * s, ti = im[b] * c - re[b] * s;
      re[b] = re[j] - tr, im[b] = im[j] - ti;
      re[j] += tr, im[j] += ti;
    }
  }
  // The real input's spectrum: bins k and m - k read the same four values. The even/odd parts are kept doubled and
  // the magnitude halved (scaling by 2 is exact).
  float *out = p->mag;
  out[0] = (float)__builtin_fabs(re[0] + im[0]);
  out[m] = (float)__builtin_fabs(re[0] - im[0]);
  for (int k = 1, l = m - 1; k <= l; k++, l--) {
    double er = re[k] + re[l], ei = im[k] - im[l];
    double od = im[k] + im[l], oi = re[l] - re[k];
    double c = p->cos[k], s = p->sin[k];
    double xr = er + c * od + s * oi, xi = ei + c * oi - s * od;
    out[k] = (float)(0.5 * __builtin_sqrt(xr * xr + xi * xi));
    c = p->cos[l], s = p->sin[l];  // bin l: the same parts with ei and oi negated
    xr = er + c * od - s * oi, xi = -ei - c * oi - s * od;
    out[l] = (float)(0.5 * __builtin_sqrt(xr * xr + xi * xi));
  }
}

// Band sums of `count` frames whose windows start at pcm, pcm + hop, ...: out[f * bands + b].
__attribute__((export_name("bandSums"))) void band_sums(const Plan *p, const float *pcm, int count, int hop,
                                                         double *out) {
  for (int f = 0; f < count; f++) {
    const float *x = pcm + f * hop;
    for (int i = 0; i < p->n; i++) p->frame[i] = (double)x[i] * (double)p->window[i];
    magnitude(p);
    const float *w = p->weights;
    for (int b = 0; b < p->bands; b++) {
      const float *mag = p->mag + p->first[b];
      double acc = 0;
      for (int k = 0; k < p->len[b]; k++) acc += (double)w[k] * (double)mag[k];
      w += p->len[b];
      out[f * p->bands + b] = acc;
    }
  }
}

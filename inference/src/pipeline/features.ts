/**
 * The model front end: STFT magnitude (Hann window) -> mel filterbank -> log compression, as a row-major
 * `frames x bands` Float32Array. Frame t is centred on sample t * hopSize (zero padding outside the signal), so
 * frame times are t / fps with fps = sampleRate / hopSize.
 */

/** Front-end parameters; they ship in the model manifest because the model was built for them. */
export interface FrontendConfig {
  /** [Hz] */
  sampleRate: number;
  /** [samples] FFT size, a power of two. */
  frameSize: number;
  /** [samples] */
  hopSize: number;
  /** Number of mel bands. */
  bands: number;
  /** [Hz] lower edge of the lowest band. */
  fmin: number;
  /** [Hz] upper edge of the highest band. */
  fmax: number;
  /** Magnitude scale inside log10(1 + logMul * m); m is 1.0 for a full-scale sine. */
  logMul: number;
}

/** Front-end output: row-major `frames x bands`. */
export interface Features {
  data: Float32Array;
  frames: number;
  bands: number;
}

/** Number of frames for `numSamples` samples: floor(numSamples / hopSize) + 1 (centred frames). */
export function frameCount(numSamples: number, hopSize: number): number {
  return Math.floor(numSamples / hopSize) + 1;
}

const hzToMel = (hz: number) => 1127 * Math.log(1 + hz / 700);
const melToHz = (mel: number) => 700 * (Math.exp(mel / 1127) - 1);

/** Centre frequencies [Hz] of the mel bands of `cfg`. */
export function bandCenters(cfg: FrontendConfig): number[] {
  const lo = hzToMel(cfg.fmin);
  const step = (hzToMel(cfg.fmax) - lo) / (cfg.bands + 1);
  return Array.from(
    { length: cfg.bands },
    (_, b) => melToHz(lo + (b + 1) * step),
  );
}

/**
 * Triangular mel filters over the `frameSize/2 + 1` FFT bins, each normalised to sum 1 (a band reads the mean
 * magnitude of its bins). A band narrower than one bin takes its nearest bin, so no band is silent.
 */
export function melFilterbank(cfg: FrontendConfig): Float32Array[] {
  const bins = cfg.frameSize / 2 + 1;
  const binHz = cfg.sampleRate / cfg.frameSize;
  const lo = hzToMel(cfg.fmin);
  const step = (hzToMel(cfg.fmax) - lo) / (cfg.bands + 1);
  const edges = Array.from(
    { length: cfg.bands + 2 },
    (_, i) => melToHz(lo + i * step) / binHz,
  );
  return Array.from({ length: cfg.bands }, (_, b) => {
    const [left, centre, right] = [edges[b], edges[b + 1], edges[b + 2]];
    const w = new Float32Array(bins);
    let sum = 0;
    for (
      let k = Math.ceil(left);
      k <= Math.min(bins - 1, Math.floor(right));
      k++
    ) {
      w[k] = k <= centre
        ? (k - left) / (centre - left)
        : (right - k) / (right - centre);
      sum += w[k];
    }
    if (sum === 0) w[Math.min(bins - 1, Math.round(centre))] = sum = 1;
    for (let k = 0; k < bins; k++) w[k] /= sum;
    return w;
  });
}

/**
 * FFT of real input of size n, via one complex FFT of size n/2; returns |X[k]| for k = 0..n/2. The complex FFT is
 * radix-2 decimation in time, its stages fused in pairs (one pass over the data per two stages, the same arithmetic
 * as one stage at a time) with each pass's twiddles in one contiguous table.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly rev: Uint32Array;
  /** (cos, sin) of 2 pi k / n for k < n/2: the real-input split. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Per pass, in the order `magnitude` reads them: see the constructor. */
  private readonly twiddles: Float64Array;

  /** `size`: a power of two >= 4. */
  constructor(size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size ${size} is not a power of two >= 4`);
    }
    this.size = size;
    const m = (this.half = size / 2);
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
    this.rev = new Uint32Array(m);
    const bits = Math.log2(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    const cos = (this.cos = Float64Array.from(
      { length: m },
      (_, k) => Math.cos((2 * Math.PI * k) / size),
    ));
    const sin = (this.sin = Float64Array.from(
      { length: m },
      (_, k) => Math.sin((2 * Math.PI * k) / size),
    ));
    // The twiddle of butterfly j in a stage of length len is e^(-2 pi i j / len), read from the size-n table (so
    // the values are the table's, bit for bit). A pass over blocks of 4h needs, per j < h, stage 2h's twiddle j
    // and stage 4h's twiddles j and j + h; a lone last stage (an odd number of stages after the first) its j.
    const tw: number[] = [];
    const push = (j: number, len: number) =>
      tw.push(cos[j * (size / len)], sin[j * (size / len)]);
    let h = 2;
    for (; 4 * h <= m; h *= 4) {
      for (let j = 0; j < h; j++) {
        push(j, 2 * h), push(j, 4 * h), push(j + h, 4 * h);
      }
    }
    if (h < m) { for (let j = 0; j < h; j++) push(j, 2 * h); }
    this.twiddles = Float64Array.from(tw);
  }

  /** Writes |FFT(input)| (n/2 + 1 values) into `out`. `input` has `size` samples. */
  magnitude(input: ArrayLike<number>, out: Float32Array): void {
    const { half: m, re, im, rev, cos, sin, twiddles: tw } = this;
    // Even samples are the real parts, odd ones the imaginary parts. Loading in bit-reversed order does the first
    // stage (twiddle 1) on the way: positions a and a + 1 hold complex inputs rev[a] and rev[a] + m/2.
    for (let a = 0; a < m; a += 2) {
      const i0 = 2 * rev[a], i1 = i0 + m;
      const r0 = input[i0], j0 = input[i0 + 1];
      const r1 = input[i1], j1 = input[i1 + 1];
      re[a] = r0 + r1, im[a] = j0 + j1;
      re[a + 1] = r0 - r1, im[a + 1] = j0 - j1;
    }
    let h = 2, t = 0;
    for (; 4 * h <= m; h *= 4) {
      // Stages 2h and 4h in one pass: butterflies (a0, a1), (a2, a3), then (a0, a2), (a1, a3).
      for (let j = 0; j < h; j++, t += 6) {
        const c1 = tw[t], s1 = tw[t + 1], c2 = tw[t + 2], s2 = tw[t + 3];
        const c3 = tw[t + 4], s3 = tw[t + 5];
        for (let a0 = j; a0 < m; a0 += 4 * h) {
          const a1 = a0 + h, a2 = a1 + h, a3 = a2 + h;
          let r0 = re[a0], i0 = im[a0], r1 = re[a1], i1 = im[a1];
          let r2 = re[a2], i2 = im[a2], r3 = re[a3], i3 = im[a3];
          let tr = r1 * c1 + i1 * s1, ti = i1 * c1 - r1 * s1;
          r1 = r0 - tr, i1 = i0 - ti, r0 += tr, i0 += ti;
          tr = r3 * c1 + i3 * s1, ti = i3 * c1 - r3 * s1;
          r3 = r2 - tr, i3 = i2 - ti, r2 += tr, i2 += ti;
          tr = r2 * c2 + i2 * s2, ti = i2 * c2 - r2 * s2;
          re[a2] = r0 - tr,
            im[a2] = i0 - ti,
            re[a0] = r0 + tr,
            im[a0] = i0 + ti;
          tr = r3 * c3 + i3 * s3, ti = i3 * c3 - r3 * s3;
          re[a3] = r1 - tr,
            im[a3] = i1 - ti,
            re[a1] = r1 + tr,
            im[a1] = i1 + ti;
        }
      }
    }
    if (h < m) {
      for (let j = 0; j < h; j++, t += 2) {
        const c = tw[t], s = tw[t + 1], b = j + h;
        const tr = re[b] * c + im[b] * s, ti = im[b] * c - re[b] * s;
        re[b] = re[j] - tr, im[b] = im[j] - ti;
        re[j] += tr, im[j] += ti;
      }
    }
    // Split into the real input's spectrum, bins k and m - k together (they read the same four values). The
    // even/odd parts are kept doubled and the magnitude halved: scaling by 2 is exact, so the bits are the same.
    out[0] = Math.abs(re[0] + im[0]);
    out[m] = Math.abs(re[0] - im[0]);
    for (let k = 1, l = m - 1; k <= l; k++, l--) {
      const er = re[k] + re[l], ei = im[k] - im[l];
      const or = im[k] + im[l], oi = re[l] - re[k];
      let c = cos[k], s = sin[k];
      let xr = er + c * or + s * oi, xi = ei + c * oi - s * or;
      out[k] = 0.5 * Math.sqrt(xr * xr + xi * xi);
      // bin l: the same parts with ei and oi negated
      c = cos[l], s = sin[l];
      xr = er + c * or - s * oi, xi = -ei - c * oi - s * or;
      out[l] = 0.5 * Math.sqrt(xr * xr + xi * xi);
    }
  }
}

/** Periodic Hann window of `n` samples. */
export function hann(n: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n),
  );
}

/** Options of {@link FeatureStream}. */
export interface FeatureStreamOptions {
  /** [samples] the signal's length when known up front: the output is sized once instead of grown. */
  expectedSamples?: number;
}

/**
 * The front end over a signal that arrives in chunks (e.g. while ffmpeg is still decoding): `push` computes every
 * frame whose window is complete, `finish` the frames hanging over the end (zero padded). The features equal
 * {@link computeFeatures} of the concatenated chunks bit for bit, whatever the chunk sizes.
 */
export class FeatureStream {
  readonly bands: number;
  private readonly cfg: FrontendConfig;
  private readonly fft: RealFft;
  private readonly window: Float32Array;
  private readonly filters: { first: number; weights: Float32Array }[];
  // Scale so a full-scale sine reads 1.0 in its bin: the Hann window sums to n/2, a sine's peak is half of that.
  private readonly scale: number;
  private readonly frame: Float64Array;
  private readonly mag: Float32Array;
  /** Samples [tailStart, received) that the next frames still need (fewer than frameSize). */
  private readonly tail: Float32Array;
  private tailStart = 0;
  private received = 0;
  private next = 0;
  private data: Float32Array;
  private done = false;

  constructor(cfg: FrontendConfig, opts: FeatureStreamOptions = {}) {
    const n = cfg.frameSize;
    this.cfg = cfg;
    this.bands = cfg.bands;
    this.fft = new RealFft(n);
    this.window = hann(n);
    this.filters = melFilterbank(cfg).map((w) => sparse(w));
    this.scale = 4 / n;
    this.frame = new Float64Array(n);
    this.mag = new Float32Array(n / 2 + 1);
    this.tail = new Float32Array(n);
    const frames = opts.expectedSamples === undefined
      ? 1024
      : frameCount(opts.expectedSamples, cfg.hopSize);
    this.data = new Float32Array(frames * cfg.bands);
  }

  /** Samples pushed so far. */
  get samples(): number {
    return this.received;
  }

  /** Frames computed so far. */
  get frames(): number {
    return this.next;
  }

  /** Appends `chunk` to the signal and computes the frames it completes. */
  push(chunk: Float32Array): void {
    if (this.done) throw new Error("FeatureStream.push after finish");
    const { frameSize: n, hopSize: hop } = this.cfg;
    const half = n / 2, chunkStart = this.received;
    const end = (this.received = chunkStart + chunk.length);
    const { frame, window } = this;
    let t = this.next;
    for (; t * hop + half <= end; t++) {
      const start = t * hop - half;
      if (start >= chunkStart) {
        const off = start - chunkStart;
        for (let i = 0; i < n; i++) frame[i] = chunk[off + i] * window[i];
      } else this.fill(start, chunk, chunkStart);
      this.emit(t);
    }
    this.next = t;
    // Keep what the next frame reads; its window is incomplete, so that is fewer than n samples.
    const keep = Math.max(0, t * hop - half);
    if (keep >= chunkStart) this.tail.set(chunk.subarray(keep - chunkStart));
    else {
      this.tail.copyWithin(
        0,
        keep - this.tailStart,
        chunkStart - this.tailStart,
      );
      this.tail.set(chunk, chunkStart - keep);
    }
    this.tailStart = keep;
  }

  /** Computes the frames hanging over the end and returns all `frameCount(samples, hopSize)` frames. */
  finish(): Features {
    if (this.done) throw new Error("FeatureStream.finish called twice");
    this.done = true;
    const { hopSize: hop, frameSize: n, bands } = this.cfg;
    const frames = frameCount(this.received, hop);
    for (let t = this.next; t < frames; t++) {
      this.fill(t * hop - n / 2, EMPTY, this.received);
      this.emit(t);
    }
    this.next = frames;
    const data = this.data.length === frames * bands
      ? this.data
      : this.data.slice(0, frames * bands);
    return { data, frames, bands };
  }

  /** Windows the frame starting at sample `start`, reading the tail, then `chunk` (at `chunkStart`), zeros outside. */
  private fill(start: number, chunk: Float32Array, chunkStart: number): void {
    const { frame, window, tail, tailStart } = this;
    const end = chunkStart + chunk.length;
    for (let i = 0; i < frame.length; i++) {
      const s = start + i;
      frame[i] = s < 0 || s >= end
        ? 0
        : (s < chunkStart ? tail[s - tailStart] : chunk[s - chunkStart]) *
          window[i];
    }
  }

  /** Magnitude spectrum -> mel bands -> log of the windowed frame, as row `t`. */
  private emit(t: number): void {
    const { bands, filters, mag, scale } = this;
    if ((t + 1) * bands > this.data.length) {
      const grown = new Float32Array(
        Math.max(2 * this.data.length, (t + 1) * bands),
      );
      grown.set(this.data);
      this.data = grown;
    }
    this.fft.magnitude(this.frame, mag);
    const logMul = this.cfg.logMul, row = t * bands;
    for (let b = 0; b < bands; b++) {
      const { first, weights } = filters[b];
      let acc = 0;
      for (let k = 0; k < weights.length; k++) {
        acc += weights[k] * mag[first + k];
      }
      this.data[row + b] = Math.log10(1 + logMul * acc * scale);
    }
  }
}

const EMPTY = new Float32Array(0);

/** Log-compressed mel spectrogram of `samples` (at `cfg.sampleRate`): row-major `frames x cfg.bands`. */
export function computeFeatures(
  samples: Float32Array,
  cfg: FrontendConfig,
): Features {
  const stream = new FeatureStream(cfg, { expectedSamples: samples.length });
  stream.push(samples);
  return stream.finish();
}

/** The non-zero span of a filter, so each band costs only its own bins. */
function sparse(w: Float32Array): { first: number; weights: Float32Array } {
  let first = 0, last = w.length - 1;
  while (first < last && w[first] === 0) first++;
  while (last > first && w[last] === 0) last--;
  return { first, weights: w.slice(first, last + 1) };
}

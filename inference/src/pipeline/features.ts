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

/** A radix-2 FFT of real input of size n, via one complex FFT of size n/2; returns |X[k]| for k = 0..n/2. */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly rev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

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
    // Twiddles of the full size n: the half-size FFT uses every other one, the real-input split uses all.
    this.cos = Float64Array.from(
      { length: m },
      (_, k) => Math.cos((2 * Math.PI * k) / size),
    );
    this.sin = Float64Array.from(
      { length: m },
      (_, k) => Math.sin((2 * Math.PI * k) / size),
    );
  }

  /** Writes |FFT(input)| (n/2 + 1 values) into `out`. `input` has `size` samples. */
  magnitude(input: ArrayLike<number>, out: Float32Array): void {
    const { half: m, re, im, rev, cos, sin } = this;
    for (let i = 0; i < m; i++) {
      re[rev[i]] = input[2 * i];
      im[rev[i]] = input[2 * i + 1];
    }
    for (let len = 2; len <= m; len <<= 1) {
      const stride = (2 * m) / len;
      for (let start = 0; start < m; start += len) {
        for (let j = 0; j < len / 2; j++) {
          const c = cos[j * stride], s = sin[j * stride];
          const a = start + j, b = a + len / 2;
          const tr = re[b] * c + im[b] * s, ti = im[b] * c - re[b] * s;
          re[b] = re[a] - tr, im[b] = im[a] - ti;
          re[a] += tr, im[a] += ti;
        }
      }
    }
    for (let k = 0; k <= m; k++) {
      const k1 = k % m, k2 = (m - k) % m;
      const er = (re[k1] + re[k2]) / 2, ei = (im[k1] - im[k2]) / 2;
      const or = (im[k1] + im[k2]) / 2, oi = -(re[k1] - re[k2]) / 2;
      const c = k < m ? cos[k] : -1, s = k < m ? sin[k] : 0;
      const xr = er + c * or + s * oi, xi = ei + c * oi - s * or;
      out[k] = Math.sqrt(xr * xr + xi * xi);
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

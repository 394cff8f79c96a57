/**
 * The model front end: STFT magnitude (Hann window) -> mel filterbank -> log compression, as a row-major
 * `frames x bands` Float32Array. Frame t is centred on sample t * hopSize (zero padding outside the signal), so
 * frame times are t / fps with fps = sampleRate / hopSize. The per-frame work runs in a WebAssembly kernel
 * (kernel/features_kernel.c).
 */
import { FrameKernel, type SparseFilter } from "./kernel/features_kernel.ts";

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

/** [samples] the kernel's staging buffer beyond one frame: how much of a pushed chunk is framed per call. */
const STAGE_SAMPLES = 1 << 16;

/**
 * The front end over a signal that arrives in chunks (e.g. while ffmpeg is still decoding): `push` computes every
 * frame whose window is complete, `finish` the frames hanging over the end (zero padded). The features equal
 * {@link computeFeatures} of the concatenated chunks bit for bit, whatever the chunk sizes.
 *
 * Samples go through the WebAssembly kernel's staging buffer, which starts with half a frame of zeros: position
 * p there is sample p - frameSize/2 + `staged`, so frame t's window starts at position t * hopSize - `staged`.
 */
export class FeatureStream {
  readonly bands: number;
  private readonly cfg: FrontendConfig;
  private readonly kernel: FrameKernel;
  // Scale so a full-scale sine reads 1.0 in its bin: the Hann window sums to n/2, a sine's peak is half of that.
  private readonly scale: number;
  /** Positions (in the padded signal) dropped from the front of the staging buffer so far. */
  private staged = 0;
  /** Samples held in the staging buffer. */
  private held: number;
  private received = 0;
  private next = 0;
  private data: Float32Array;
  private done = false;

  constructor(cfg: FrontendConfig, opts: FeatureStreamOptions = {}) {
    const n = cfg.frameSize;
    this.cfg = cfg;
    this.bands = cfg.bands;
    this.kernel = new FrameKernel(
      n,
      cfg.hopSize,
      hann(n),
      melFilterbank(cfg).map((w) => sparse(w)),
      n + STAGE_SAMPLES,
    );
    this.scale = 4 / n;
    this.held = n / 2; // the zeros before the signal (the kernel's memory starts zeroed)
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
    const { pcm, capacity } = this.kernel;
    for (let at = 0; at < chunk.length;) {
      const take = Math.min(capacity - this.held, chunk.length - at);
      pcm.set(chunk.subarray(at, at + take), this.held);
      this.held += take;
      at += take;
      this.computeReady();
    }
    this.received += chunk.length;
  }

  /** Computes the frames hanging over the end and returns all `frameCount(samples, hopSize)` frames. */
  finish(): Features {
    if (this.done) throw new Error("FeatureStream.finish called twice");
    this.done = true;
    const { hopSize: hop, frameSize: n, bands } = this.cfg;
    const frames = frameCount(this.received, hop);
    // zeros after the signal, up to the end of the last frame's window (less than a frame: it fits)
    const end = (frames - 1) * hop + n - this.staged;
    this.kernel.pcm.fill(0, this.held, end);
    this.held = Math.max(this.held, end);
    this.computeReady();
    const data = this.data.length === frames * bands
      ? this.data
      : this.data.slice(0, frames * bands);
    return { data, frames, bands };
  }

  /** Computes every frame whose window lies in the staging buffer, then drops the samples no later frame reads. */
  private computeReady(): void {
    const { hopSize: hop, frameSize: n, bands, logMul } = this.cfg;
    const first = this.next * hop - this.staged;
    const count = first + n <= this.held
      ? Math.floor((this.held - n - first) / hop) + 1
      : 0;
    if (count > 0) {
      const sums = this.kernel.bandSums(first, count);
      const row = this.next * bands;
      this.reserve(row + count * bands);
      const { data, scale } = this;
      for (let i = 0; i < sums.length; i++) {
        data[row + i] = Math.log10(1 + logMul * sums[i] * scale);
      }
      this.next += count;
    }
    const drop = this.next * hop - this.staged;
    this.kernel.pcm.copyWithin(0, drop, this.held);
    this.held -= drop;
    this.staged += drop;
  }

  private reserve(values: number): void {
    if (values <= this.data.length) return;
    const grown = new Float32Array(Math.max(2 * this.data.length, values));
    grown.set(this.data);
    this.data = grown;
  }
}

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
function sparse(w: Float32Array): SparseFilter {
  let first = 0, last = w.length - 1;
  while (first < last && w[first] === 0) first++;
  while (last > first && w[last] === 0) last--;
  return { first, weights: w.slice(first, last + 1) };
}

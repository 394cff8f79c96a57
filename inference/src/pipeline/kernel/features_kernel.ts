/**
 * The WebAssembly kernel of the model front end (features_kernel.c, rebuilt by build.sh): windowed real FFT
 * magnitudes and mel band sums of many frames per call, equal bit for bit to the same arithmetic in TypeScript and
 * faster (front end of 4 minutes of audio on this 2-core machine: 334-356 -> 271-274 ms under Deno, 501-525 ->
 * 157-239 ms under Node). Each kernel owns its memory, laid out once: tables, scratch, a staging buffer the caller
 * writes samples into, and the output.
 */
import { readFileSync } from "node:fs";

/** A mel filter's non-zero span: its first FFT bin and its weights from there. */
export interface SparseFilter {
  first: number;
  weights: Float32Array;
}

let compiled: WebAssembly.Module | undefined;
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    readFileSync(new URL("./features_kernel.wasm", import.meta.url)),
  );
  return compiled;
}

interface KernelExports {
  __heap_base: WebAssembly.Global;
  bandSums(
    plan: number,
    pcm: number,
    count: number,
    hop: number,
    out: number,
  ): void;
}

/** Bit reversal of 0..m-1 (m a power of two). */
function bitReversal(m: number): Int32Array {
  const bits = Math.log2(m), rev = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  return rev;
}

/**
 * The twiddles in the order the kernel reads them, taken from the size-n cos/sin tables (so the values are the
 * table's, bit for bit). The twiddle of butterfly j in a stage of length len is e^(-2 pi i j / len). A pass over
 * blocks of 4h needs, per j < h, stage 2h's twiddle j and stage 4h's twiddles j and j + h; the kernel takes them
 * for j and j + 1 side by side. A lone last stage needs its twiddle j, as (cos, sin) per j.
 */
function twiddles(
  n: number,
  cos: Float64Array,
  sin: Float64Array,
): Float64Array {
  const m = n / 2, out: number[] = [];
  const at = (j: number, len: number) => j * (n / len);
  let h = 2;
  for (; 4 * h <= m; h *= 4) {
    for (let j = 0; j < h; j += 2) {
      for (const [k, len] of [[j, 2 * h], [j, 4 * h], [j + h, 4 * h]]) {
        out.push(
          cos[at(k, len)],
          cos[at(k + 1, len)],
          sin[at(k, len)],
          sin[at(k + 1, len)],
        );
      }
    }
  }
  if (h < m) {
    for (let j = 0; j < h; j++) {
      out.push(cos[at(j, 2 * h)], sin[at(j, 2 * h)]);
    }
  }
  return Float64Array.from(out);
}

export class FrameKernel {
  readonly frameSize: number;
  readonly hopSize: number;
  readonly bands: number;
  /** Samples the staging buffer holds. */
  readonly capacity: number;
  /** Where the caller writes the samples that frames read (a view of the kernel's memory). */
  readonly pcm: Float32Array;
  private readonly exports: KernelExports;
  private readonly plan: number;
  private readonly out: number;
  private readonly maxFrames: number;
  private readonly memory: WebAssembly.Memory;

  /**
   * `frameSize`: a power of two >= 4; `hopSize`: samples from one frame to the next; `window`: `frameSize` samples;
   * `filters`: the bands, each over bins 0..frameSize/2; `capacity`: staging samples (at least one frame).
   */
  constructor(
    frameSize: number,
    hopSize: number,
    window: Float32Array,
    filters: SparseFilter[],
    capacity: number,
  ) {
    const n = frameSize, m = n / 2;
    if (n < 4 || (n & (n - 1)) !== 0) {
      throw new RangeError(`FFT size ${n} is not a power of two >= 4`);
    }
    if (window.length !== n) {
      throw new RangeError(`window has ${window.length} samples, not ${n}`);
    }
    if (!(hopSize >= 1)) {
      throw new RangeError(`hop ${hopSize} must be at least 1 sample`);
    }
    if (!(capacity >= n)) {
      throw new RangeError(
        `staging capacity ${capacity} is below one frame (${n})`,
      );
    }
    for (const f of filters) {
      if (f.first < 0 || f.first + f.weights.length > m + 1) {
        throw new RangeError("filter outside the FFT bins");
      }
    }
    this.frameSize = n;
    this.hopSize = hopSize;
    this.bands = filters.length;
    this.capacity = capacity;
    this.maxFrames = Math.floor((capacity - n) / hopSize) + 1;
    const cos = Float64Array.from(
      { length: m },
      (_, k) => Math.cos((2 * Math.PI * k) / n),
    );
    const sin = Float64Array.from(
      { length: m },
      (_, k) => Math.sin((2 * Math.PI * k) / n),
    );
    const weights = new Float32Array(
      filters.reduce((s, f) => s + f.weights.length, 0),
    );
    filters.reduce(
      (at, f) => (weights.set(f.weights, at), at + f.weights.length),
      0,
    );
    const tables: [
      ArrayLike<number>,
      Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor,
    ][] = [
      [window, Float32Array],
      [bitReversal(m), Int32Array],
      [cos, Float64Array],
      [sin, Float64Array],
      [twiddles(n, cos, sin), Float64Array],
      [filters.map((f) => f.first), Int32Array],
      [filters.map((f) => f.weights.length), Int32Array],
      [weights, Float32Array],
    ];
    const scratch = [n * 8, m * 8, m * 8, (m + 1) * 4]; // frame, re, im, mag
    const sizes = [
      ...tables.map(([a, T]) => a.length * T.BYTES_PER_ELEMENT),
      ...scratch,
      14 * 4, // the plan: 2 ints and 12 pointers
      capacity * 4,
      this.maxFrames * this.bands * 8,
    ];
    const instance = new WebAssembly.Instance(kernelModule(), {
      // one 64 KiB page to start with, as build.sh links it (8 KiB stack); grown below to fit the layout
      env: { memory: this.memory = new WebAssembly.Memory({ initial: 1 }) },
    });
    this.exports = instance.exports as unknown as KernelExports;
    // 16-byte aligned regions after the module's own data and stack
    const offsets: number[] = [];
    let top = (Number(this.exports.__heap_base.value) + 15) & ~15;
    for (const size of sizes) {
      offsets.push(top), (top = (top + size + 15) & ~15);
    }
    const grow = Math.ceil((top - this.memory.buffer.byteLength) / 65536);
    if (grow > 0) this.memory.grow(grow);
    tables.forEach(([a, T], i) =>
      new T(this.memory.buffer, offsets[i], a.length).set(a)
    );
    const [plan, pcm, out] = offsets.slice(-3);
    new Int32Array(this.memory.buffer, plan, 14).set([
      n,
      this.bands,
      ...offsets.slice(0, 12),
    ]);
    this.plan = plan;
    this.out = out;
    this.pcm = new Float32Array(this.memory.buffer, pcm, capacity);
  }

  /**
   * Band sums (weights x magnitudes, before any scaling or log) of `count` frames whose windows start at
   * pcm[start], pcm[start + hopSize], ...: row-major `count x bands`, a view valid until the next call.
   */
  bandSums(start: number, count: number): Float64Array {
    if (count <= 0) return new Float64Array(0);
    const hop = this.hopSize;
    if (
      !(start >= 0 &&
        start + (count - 1) * hop + this.frameSize <= this.capacity)
    ) {
      throw new RangeError(
        `frames ${start}+${count}x${hop} run past the staging buffer (${this.capacity})`,
      );
    }
    this.exports.bandSums(
      this.plan,
      this.pcm.byteOffset + 4 * start,
      count,
      hop,
      this.out,
    );
    return new Float64Array(this.memory.buffer, this.out, count * this.bands);
  }
}

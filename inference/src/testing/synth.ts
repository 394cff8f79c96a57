/**
 * A deterministic drum-pattern synthesizer for tests: kick (pitch-swept sine), snare (noise + tone) and closed
 * hi-hat (high-passed noise), rendered to a 16-bit PCM WAV with the exact hit times it used (the ground truth).
 */

/** Lanes the synthesizer can play. */
export type SynthLane = "kick" | "snare" | "hihat_closed";

/** One bar of a pattern: `steps` equal subdivisions of `beatsPerBar` beats; per lane a gain 0..1 per step (0 = rest). */
export interface DrumPattern {
  beatsPerBar: number;
  steps: number;
  lanes: Partial<Record<SynthLane, readonly number[]>>;
}

/** A rock groove in 4/4 with 8th-note hi-hats; the downbeat kick is accented so the bar start is audible. */
export const ROCK_GROOVE: DrumPattern = {
  beatsPerBar: 4,
  steps: 8,
  lanes: {
    kick: [1, 0, 0, 0, 0.75, 0.7, 0, 0],
    snare: [0, 0, 0.9, 0, 0, 0, 0.9, 0],
    hihat_closed: [0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4],
  },
};

export interface RenderOptions {
  /** [bpm] */
  bpm: number;
  bars: number;
  pattern?: DrumPattern;
  /** [Hz] default 44100 */
  sampleRate?: number;
  /** Seeds the noise sources: equal seeds give identical bytes. */
  seed: number;
  /** Silence before the first hit [seconds], default 0.5. */
  leadInSec?: number;
  /** Off-beat delay as a fraction of a beat applied to odd 8th steps (0 = straight, 1/6 = triplet swing). */
  swing?: number;
}

/** A ground-truth hit. */
export interface SynthHit {
  /** [seconds] */
  time: number;
  lane: SynthLane;
  /** 0..1 */
  gain: number;
}

export interface RenderedPattern {
  /** 16-bit PCM mono WAV. */
  wav: Uint8Array;
  samples: Float32Array;
  sampleRate: number;
  hits: SynthHit[];
  /** Beat times [seconds]. */
  beats: number[];
  /** Bar starts [seconds]. */
  downbeats: number[];
  durationSec: number;
}

/** mulberry32: a tiny seeded PRNG, so the rendered bytes depend only on the options. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RBJ-cookbook biquad, applied in place. */
function biquad(x: Float32Array, sr: number, kind: "lowpass" | "highpass", freq: number, q = Math.SQRT1_2): void {
  const w = (2 * Math.PI * freq) / sr;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const b1 = kind === "lowpass" ? 1 - cos : -(1 + cos);
  const b0 = kind === "lowpass" ? b1 / 2 : -b1 / 2;
  const a0 = 1 + alpha;
  const [nb0, nb1, nb2, na1, na2] = [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const y = nb0 * x[i] + nb1 * x1 + nb2 * x2 - na1 * y1 - na2 * y2;
    x2 = x1, x1 = x[i], y2 = y1, y1 = y;
    x[i] = y;
  }
}

function noise(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand() * 2 - 1;
  return out;
}

/** One drum sound at unit gain, faded out over its last 10 ms so its end makes no click. */
function voice(lane: SynthLane, sr: number, rand: () => number): Float32Array {
  const out = rawVoice(lane, sr, rand);
  const fade = Math.round(0.01 * sr);
  for (let i = 0; i < fade; i++) out[out.length - 1 - i] *= i / fade;
  return out;
}

function rawVoice(lane: SynthLane, sr: number, rand: () => number): Float32Array {
  if (lane === "kick") {
    const out = new Float32Array(Math.round(1.2 * sr));
    let phase = 0;
    for (let i = 0; i < out.length; i++) {
      const t = i / sr;
      phase += (2 * Math.PI * (50 + 110 * Math.exp(-t / 0.03))) / sr;
      out[i] = 0.9 * Math.sin(phase) * Math.exp(-t / 0.2);
    }
    return out;
  }
  if (lane === "snare") {
    const out = noise(Math.round(0.4 * sr), rand);
    biquad(out, sr, "lowpass", 6000);
    biquad(out, sr, "highpass", 800);
    for (let i = 0; i < out.length; i++) {
      const t = i / sr;
      out[i] = 0.7 * out[i] * Math.exp(-t / 0.06) + 0.35 * Math.sin(2 * Math.PI * 185 * t) * Math.exp(-t / 0.04);
    }
    return out;
  }
  const out = noise(Math.round(0.16 * sr), rand);
  biquad(out, sr, "highpass", 7000);
  biquad(out, sr, "highpass", 7000);
  for (let i = 0; i < out.length; i++) out[i] *= 0.6 * Math.exp(-i / sr / 0.025);
  return out;
}

/** Encodes mono float samples (-1..1) as a 16-bit PCM WAV file. */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => [...text].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767), true);
  }
  return bytes;
}

/** The hits of `bars` bars of `pattern` at `bpm`, with beat and bar times. */
export function patternHits(opts: RenderOptions): Pick<RenderedPattern, "hits" | "beats" | "downbeats"> {
  const pattern = opts.pattern ?? ROCK_GROOVE;
  const beatSec = 60 / opts.bpm;
  const lead = opts.leadInSec ?? 0.5;
  const stepBeats = pattern.beatsPerBar / pattern.steps;
  const hits: SynthHit[] = [];
  const beats: number[] = [];
  const downbeats: number[] = [];
  for (let bar = 0; bar < opts.bars; bar++) {
    const barStart = lead + bar * pattern.beatsPerBar * beatSec;
    downbeats.push(barStart);
    for (let b = 0; b < pattern.beatsPerBar; b++) beats.push(barStart + b * beatSec);
    for (let step = 0; step < pattern.steps; step++) {
      const beatPos = step * stepBeats;
      const offBeat = Math.abs(beatPos % 1 - 0.5) < 1e-9;
      const time = barStart + (beatPos + (offBeat ? opts.swing ?? 0 : 0)) * beatSec;
      for (const [lane, gains] of Object.entries(pattern.lanes) as [SynthLane, number[]][]) {
        const gain = gains[step] ?? 0;
        if (gain > 0) hits.push({ time, lane, gain });
      }
    }
  }
  hits.sort((a, b) => a.time - b.time || a.lane.localeCompare(b.lane));
  return { hits, beats, downbeats };
}

/** Renders `bars` bars of `pattern` (default {@link ROCK_GROOVE}) at `bpm`, deterministic by `seed`. */
export function renderDrumPattern(opts: RenderOptions): RenderedPattern {
  const sr = opts.sampleRate ?? 44100;
  if (!(opts.bpm > 0) || !(opts.bars > 0)) throw new RangeError("renderDrumPattern needs bpm > 0 and bars > 0");
  const { hits, beats, downbeats } = patternHits(opts);
  const rand = prng(opts.seed);
  const durationSec = (hits.at(-1)?.time ?? 0) + 1;
  const samples = new Float32Array(Math.ceil(durationSec * sr));
  for (const hit of hits) {
    const sound = voice(hit.lane, sr, rand);
    const start = Math.round(hit.time * sr);
    const end = Math.min(samples.length, start + sound.length);
    for (let i = start; i < end; i++) samples[i] += hit.gain * sound[i - start];
  }
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  if (peak > 0.9) { for (let i = 0; i < samples.length; i++) samples[i] *= 0.9 / peak; }
  return { wav: encodeWav16(samples, sr), samples, sampleRate: sr, hits, beats, downbeats, durationSec };
}

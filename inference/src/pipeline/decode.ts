/**
 * Decode stage: any audio file -> mono float PCM at a fixed rate, through ffmpeg (madmom's ffmpeg loader idea), or
 * mpg123 for MP3s whose rate divides down to it (about twice as fast, see mp3.ts).
 * The artifact `jobs/{jobId}/decode.f32` is raw little-endian float32 PCM at {@link DECODE_SAMPLE_RATE}.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import { stat } from "node:fs/promises";
import type { JobMessage } from "../contracts/job_message.ts";
import { monoGain, mpg123Args, sniffMp3 } from "./mp3.ts";
import { BadInputError, type Stage, type StageContext } from "./types.ts";

/** [Hz] the rate of the decode artifact and the model front end. */
export const DECODE_SAMPLE_RATE = 22050;
/** [seconds] shorter audio cannot hold a drum pattern. */
export const MIN_DURATION_SEC = 1;
const FORMAT_HINT = "Upload a WAV, MP3, FLAC, OGG or M4A file.";

/** The input is not audio ffmpeg can decode, or too little of it. */
export class UnreadableAudioError extends BadInputError {
  override name = "UnreadableAudioError";
  constructor(reason: string, options?: ErrorOptions) {
    super(
      `The file could not be decoded as audio (${reason}). ${FORMAT_HINT}`,
      options,
    );
  }
}

/** The audio path given to {@link decodeAudio} does not exist. */
export class AudioFileNotFoundError extends BadInputError {
  override name = "AudioFileNotFoundError";
  constructor(path: string, options?: ErrorOptions) {
    super(`Audio file not found: ${path}`, options);
  }
}

export interface DecodeOptions {
  /** [Hz] output rate, default {@link DECODE_SAMPLE_RATE}. */
  sampleRate?: number;
  /** Path of the ffmpeg binary, default "ffmpeg". */
  ffmpegPath?: string;
  /** Path of the mpg123 binary (MP3 fast path, see mp3.ts), default "mpg123"; ffmpeg decodes when it fails. */
  mpg123Path?: string;
}

export interface DecodedAudio {
  samples: Float32Array;
  /** [Hz] */
  sampleRate: number;
}

/** ffmpeg's last meaningful stderr line, without the input name prefix. */
function ffmpegReason(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const line = lines.at(-1) ?? "";
  return line.replace(/^(pipe:0|\/\S+|\S+\.\w+):\s*/, "").slice(0, 200) ||
    "no audio stream found";
}

function ffmpegArgs(input: Uint8Array | string, sr: number): string[] {
  // -flush_packets 0: write the pipe in full 32 KiB blocks instead of one small write per packet (same bytes,
  // about half the wall time of ffmpeg on a 4-minute MP3).
  return [
    ...["-hide_banner", "-loglevel", "error"],
    ...["-i", typeof input === "string" ? input : "pipe:0"],
    ...["-flush_packets", "0", "-vn", "-f", "f32le", "-ac", "1"],
    ...["-ar", String(sr), "pipe:1"],
  ];
}

/** Starts a decoder writing float32 PCM to its stdout, feeding it `input` on stdin when that is bytes. */
function spawnDecoder(bin: string, args: string[], input: Uint8Array | string) {
  const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (c: Buffer) => stderr.push(c));
  const exit = new Promise<number>((resolve, reject) => {
    child.on(
      "error",
      (e) =>
        reject(
          new Error(`Could not run ${bin} (${e.message}); install it.`, {
            cause: e,
          }),
        ),
    );
    child.on("close", (code) => resolve(code ?? -1));
  });
  // Awaited after the output ends; until then a spawn failure must not count as an unhandled rejection.
  exit.catch(() => {});
  // A decoder stops reading early on non-audio input; that EPIPE is expected, its exit code tells the story.
  child.stdin.on("error", () => {});
  if (typeof input === "string") child.stdin.end();
  else {
    child.stdin.end(
      Buffer.from(input.buffer, input.byteOffset, input.byteLength),
    );
  }
  return { child, exit, stderr: () => Buffer.concat(stderr).toString() };
}

interface DecoderResult {
  code: number;
  stderr: string;
}

/**
 * The PCM of one decoder run, chunk by chunk, each scaled by `gain`, counted in `progress.samples`; returns the
 * decoder's exit code and stderr. A failure to start the decoder throws after its (empty) output.
 */
async function* decoderOutput(
  bin: string,
  args: string[],
  input: Uint8Array | string,
  progress: { samples: number },
  gain = 1,
): AsyncGenerator<Float32Array, DecoderResult, undefined> {
  const { child, exit, stderr } = spawnDecoder(bin, args, input);
  try {
    for await (const samples of floatChunks(child.stdout)) {
      if (gain !== 1) {
        for (let i = 0; i < samples.length; i++) samples[i] *= gain;
      }
      progress.samples += samples.length;
      yield samples;
    }
  } catch (e) {
    stop(child);
    await exit; // a failed spawn explains itself better than the broken stream it leaves
    throw e;
  } finally {
    stop(child); // the consumer stopped early: the rest of the output is not wanted
  }
  return { code: await exit, stderr: stderr() };
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill();
}

/** Checks before running ffmpeg: a path must name a non-empty file, bytes must not be empty. */
async function checkInput(input: Uint8Array | string): Promise<void> {
  if (typeof input === "string") {
    const info = await stat(input).catch(() => null);
    if (!info?.isFile()) throw new AudioFileNotFoundError(input);
    if (info.size === 0) throw new UnreadableAudioError("the file is empty");
  } else if (input.byteLength === 0) {
    throw new UnreadableAudioError("the file is empty");
  }
}

/**
 * Little-endian float32 samples of a byte stream, a chunk per byte chunk. A byte chunk may end inside a float: its
 * first bytes wait for the next chunk; bytes after the last whole float are dropped.
 */
export async function* floatChunks(
  bytes: AsyncIterable<Uint8Array>,
): AsyncGenerator<Float32Array, void, undefined> {
  const carry = new Uint8Array(4);
  let carried = 0;
  for await (const chunk of bytes) {
    const count = (carried + chunk.length) >> 2;
    let used = 0;
    if (count > 0) {
      // a fresh, aligned buffer: the caller may keep the chunk, and pipe chunks start at any byte offset
      const samples = new Float32Array(count);
      const out = new Uint8Array(samples.buffer);
      used = count * 4 - carried;
      out.set(carry.subarray(0, carried));
      out.set(chunk.subarray(0, used), carried);
      carried = 0;
      yield samples;
    }
    carry.set(chunk.subarray(used), carried);
    carried += chunk.length - used;
  }
}

/**
 * Decodes `input` (file bytes or a path) like {@link decodeAudio}, yielding the samples in chunks as ffmpeg
 * produces them, so the caller can work on the start while ffmpeg decodes the rest. The checks on the whole
 * (no samples, shorter than 1 s) throw their {@link UnreadableAudioError} after the last chunk; stopping the
 * iteration early stops ffmpeg.
 */
export async function* decodeAudioStream(
  input: Uint8Array | string,
  opts: DecodeOptions = {},
): AsyncGenerator<Float32Array, void, undefined> {
  const sampleRate = opts.sampleRate ?? DECODE_SAMPLE_RATE;
  await checkInput(input);
  const progress = { samples: 0 };
  let result: DecoderResult | null = null;
  const mp3 = await sniffMp3(input).catch(() => null);
  const fast = mp3 &&
    mpg123Args(mp3, sampleRate, typeof input === "string" ? input : "-");
  if (fast) {
    const bin = opts.mpg123Path ?? "mpg123";
    try {
      result = yield* decoderOutput(bin, fast, input, progress, monoGain(mp3));
    } catch (e) {
      if (progress.samples > 0) throw e; // not a failure to start: nothing to fall back to
    }
    // mpg123 missing, or the bytes were not MP3 after all: ffmpeg decodes (or explains) them
    if (progress.samples === 0) result = null;
  }
  result ??= yield* decoderOutput(
    opts.ffmpegPath ?? "ffmpeg",
    ffmpegArgs(input, sampleRate),
    input,
    progress,
  );
  const total = progress.samples;
  if (total === 0) {
    throw new UnreadableAudioError(
      result.code === 0
        ? "no audio samples in it"
        : ffmpegReason(result.stderr),
    );
  }
  if (total < MIN_DURATION_SEC * sampleRate) {
    const sec = (total / sampleRate).toFixed(2);
    throw new UnreadableAudioError(
      `only ${sec} s of audio; at least ${MIN_DURATION_SEC} s is needed`,
    );
  }
}

/**
 * Decodes `input` (file bytes or a path) to mono float32 PCM at `opts.sampleRate` [Hz] (default 22050).
 * Throws {@link UnreadableAudioError} for empty, non-audio or truncated input and audio shorter than 1 s,
 * {@link AudioFileNotFoundError} for a missing path.
 */
export async function decodeAudio(
  input: Uint8Array | string,
  opts: DecodeOptions = {},
): Promise<DecodedAudio> {
  const chunks: Float32Array[] = [];
  let length = 0;
  for await (const chunk of decodeAudioStream(input, opts)) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const samples = new Float32Array(length);
  let at = 0;
  for (const chunk of chunks) {
    samples.set(chunk, at);
    at += chunk.length;
  }
  return { samples, sampleRate: opts.sampleRate ?? DECODE_SAMPLE_RATE };
}

/** Raw little-endian float32 bytes of `samples` (the decode artifact). */
export function encodePcm(samples: Float32Array): Uint8Array {
  return new Uint8Array(
    samples.buffer.slice(
      samples.byteOffset,
      samples.byteOffset + samples.byteLength,
    ),
  );
}

/** Float32 samples from raw little-endian float32 bytes (copied, so any byte offset works). */
export function decodePcm(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new RangeError(
      `PCM artifact length ${bytes.byteLength} is not a multiple of 4`,
    );
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Artifact key of the decode stage. */
export function decodeKey(job: Pick<JobMessage, "jobId">): string {
  return `jobs/${job.jobId}/decode.f32`;
}

/** Reads the decoded PCM of `ctx.job` (its recorded output, or the default key). */
export async function readDecoded(ctx: StageContext): Promise<DecodedAudio> {
  const bytes = await ctx.store.get(ctx.outputs.decode ?? decodeKey(ctx.job));
  return { samples: decodePcm(bytes), sampleRate: DECODE_SAMPLE_RATE };
}

/** The decode stage: `job.audioKey` -> `jobs/{jobId}/decode.f32`. */
export function createDecodeStage(
  opts: Omit<DecodeOptions, "sampleRate"> = {},
): Stage {
  return {
    name: "decode",
    outputKey: decodeKey,
    async run(ctx) {
      const audio = await ctx.store.get(ctx.job.audioKey);
      const { samples } = await decodeAudio(audio, {
        ...opts,
        sampleRate: DECODE_SAMPLE_RATE,
      });
      await ctx.store.put(
        decodeKey(ctx.job),
        encodePcm(samples),
        "application/octet-stream",
      );
      ctx.log.info("decoded audio", {
        durationSec: samples.length / DECODE_SAMPLE_RATE,
      });
    },
  };
}

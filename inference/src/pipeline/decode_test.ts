import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encodeAudio } from "../testing/encode.ts";
import { encodeWav16, renderDrumPattern } from "../testing/synth.ts";
import {
  AudioFileNotFoundError,
  decodeAudio,
  decodeAudioStream,
  decodePcm,
  encodePcm,
  floatChunks,
  UnreadableAudioError,
} from "./decode.ts";
import { BadInputError } from "./types.ts";

const groove = renderDrumPattern({ bpm: 120, bars: 1, seed: 3 });
const dir = mkdtempSync(join(tmpdir(), "decode-test-"));

test("decode - a WAV decodes to mono 22050 Hz samples of the right length and shape", async () => {
  const { samples, sampleRate } = await decodeAudio(groove.wav);
  assert.equal(sampleRate, 22050);
  assert.ok(
    Math.abs(samples.length - groove.durationSec * 22050) < 64,
    `${samples.length} samples`,
  );
  // The first hit is at 0.5 s: silence before it, sound right after.
  const rms = (a: number, b: number) =>
    Math.sqrt(samples.slice(a, b).reduce((s, x) => s + x * x, 0) / (b - a));
  assert.ok(rms(0, 10000) < 1e-4);
  assert.ok(rms(11025, 12000) > 0.05);
});

test("decode - a path and a custom rate work too", async () => {
  const path = join(dir, "groove.wav");
  writeFileSync(path, groove.wav);
  const { samples, sampleRate } = await decodeAudio(path, { sampleRate: 8000 });
  assert.equal(sampleRate, 8000);
  assert.ok(Math.abs(samples.length - groove.durationSec * 8000) < 32);
});

async function rejects(input: Uint8Array | string, pattern: RegExp) {
  await assert.rejects(decodeAudio(input), (e: unknown) => {
    assert.ok(
      e instanceof UnreadableAudioError && e instanceof BadInputError,
      String(e),
    );
    assert.match(
      e.message,
      /^The file could not be decoded as audio \(.+\)\. Upload a WAV, MP3, FLAC, OGG or M4A file\.$/,
    );
    assert.match(e.message, pattern);
    return true;
  });
}

test("decode - zero bytes, text and a truncated MP3 are unreadable audio", async () => {
  await rejects(new Uint8Array(0), /empty/);
  await rejects(
    new TextEncoder().encode("<html>this is not a song</html>".repeat(20)),
    /\(.+\)/,
  );
  const wavPath = join(dir, "g.wav"), mp3Path = join(dir, "g.mp3");
  writeFileSync(wavPath, groove.wav);
  encodeAudio(wavPath, mp3Path, ["-b:a", "64k"]);
  const mp3 = new Uint8Array(readFileSync(mp3Path));
  assert.ok(
    (await decodeAudio(mp3)).samples.length > 22050,
    "the whole MP3 decodes",
  );
  await rejects(mp3.subarray(0, 300), /\(.+\)/);
});

test("decode - audio shorter than one second is refused with its length", async () => {
  await rejects(
    encodeWav16(new Float32Array(44100 * 0.4).fill(0.1), 44100),
    /only 0\.40 s of audio/,
  );
});

test("decode - a missing path says so", async () => {
  await assert.rejects(
    decodeAudio(join(dir, "nope.wav")),
    AudioFileNotFoundError,
  );
});

test("decode - PCM artifact round-trips from any byte offset", () => {
  const samples = Float32Array.from([0, 0.5, -1, 1e-7]);
  const bytes = encodePcm(samples);
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assert.deepEqual(decodePcm(shifted.subarray(1)), samples);
  assert.throws(() => decodePcm(new Uint8Array(5)), RangeError);
});

/** `bytes` in chunks of the cycled `sizes`, then a torn float (3 bytes) that must be dropped. */
async function* inChunks(bytes: Uint8Array, sizes: number[]) {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    yield bytes.subarray(at, at + size);
    at += size;
  }
  yield new Uint8Array([1, 2, 3]);
}

test("decode - byte chunks that split floats anywhere reassemble to the same samples", async () => {
  const samples = Float32Array.from(
    { length: 999 },
    (_, i) => Math.sin(i) * 1e3 ** ((i % 7) - 3),
  );
  const bytes = encodePcm(samples);
  for (const sizes of [[1], [3], [5], [4, 1, 2, 7, 0, 4097]]) {
    const parts: Float32Array[] = [];
    for await (const part of floatChunks(inChunks(bytes, sizes))) {
      parts.push(part);
    }
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    assert.deepEqual(encodePcm(joined), bytes, `chunks of ${sizes.join(",")}`);
  }
});

test("decode - the stream yields decodeAudio's samples in chunks and checks the length at the end", async () => {
  const { samples } = await decodeAudio(groove.wav);
  const parts: Float32Array[] = [];
  for await (const part of decodeAudioStream(groove.wav)) parts.push(part);
  assert.ok(parts.length > 1, `${parts.length} chunks`);
  const joined = new Float32Array(samples.length);
  assert.equal(
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0),
    samples.length,
  );
  assert.deepEqual(joined, samples);
  // too short: the chunks come, then the same error as decodeAudio's
  const short = encodeWav16(new Float32Array(44100 * 0.4).fill(0.1), 44100);
  let got = 0;
  await assert.rejects(async () => {
    for await (const part of decodeAudioStream(short)) got += part.length;
  }, /only 0\.40 s of audio/);
  assert.equal(got, 0.4 * 22050);
  // stopping early is fine (ffmpeg is stopped, nothing hangs)
  for await (const _ of decodeAudioStream(groove.wav)) break;
});

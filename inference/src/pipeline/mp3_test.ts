import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encodeAudio } from "../testing/encode.ts";
import { renderDrumPattern } from "../testing/synth.ts";
import { decodeAudio } from "./decode.ts";
import {
  frameHeader,
  id3Size,
  monoGain,
  mpg123Args,
  sniffFrames,
  sniffMp3,
} from "./mp3.ts";

const dir = mkdtempSync(join(tmpdir(), "mp3-test-"));
const groove = renderDrumPattern({
  bpm: 120,
  bars: 2,
  seed: 5,
  sampleRate: 44100,
});
const wavPath = join(dir, "groove.wav");
writeFileSync(wavPath, groove.wav);

/** Encodes the groove with ffmpeg; `args` pick channels, rate and bit rate. */
function encode(name: string, args: string[]): string {
  const path = join(dir, name);
  encodeAudio(wavPath, path, args);
  return path;
}

test("mp3 - frame headers: MPEG-1 128 kbit/s 44.1 kHz joint stereo, MPEG-2 mono, and non-headers", () => {
  const h = frameHeader(Uint8Array.from([0xff, 0xfb, 0x90, 0x64]), 0);
  assert.deepEqual(h, {
    version: 3,
    sampleRate: 44100,
    channels: 2,
    length: 417,
  });
  const m = frameHeader(Uint8Array.from([0xff, 0xf3, 0x80, 0xc4]), 0); // MPEG-2, 64 kbit/s, 22.05 kHz, mono
  assert.deepEqual(m, {
    version: 2,
    sampleRate: 22050,
    channels: 1,
    length: 208,
  });
  const notHeaders: [number[], string][] = [
    [[0xff, 0xfd, 0x90, 0x64], "layer II is not this path's"],
    [[0xff, 0xfb, 0xf0, 0x64], "bad bit rate index"],
    [[0xff, 0xfb, 0x9c, 0x64], "reserved rate index"],
    [[0x52, 0x49, 0x46, 0x46], "RIFF"],
  ];
  for (const [bytes, why] of notHeaders) {
    assert.equal(frameHeader(Uint8Array.from(bytes), 0), null, why);
  }
});

test("mp3 - an ID3v2 tag's size is read from its sync-safe bytes, footer included", () => {
  const tag = Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0x02, 0x01]);
  assert.equal(id3Size(tag), 10 + 257);
  tag[5] = 0x10;
  assert.equal(id3Size(tag), 10 + 257 + 10);
  assert.equal(
    id3Size(Uint8Array.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0])),
    0,
  );
});

test("mp3 - sniffing finds rate and channels of real MP3s, behind an ID3 tag too, and nothing in other files", async () => {
  const stereo = encode("stereo.mp3", ["-ac", "2", "-b:a", "192k"]);
  const mono = encode("mono.mp3", ["-ac", "1", "-ar", "22050", "-b:a", "64k"]);
  const tagged = encode("tagged.mp3", [
    "-ac",
    "2",
    "-metadata",
    "title=Groove",
    "-id3v2_version",
    "3",
  ]);
  assert.deepEqual(await sniffMp3(stereo), { sampleRate: 44100, channels: 2 });
  assert.deepEqual(await sniffMp3(mono), { sampleRate: 22050, channels: 1 });
  assert.ok(
    id3Size(new Uint8Array(readFileSync(tagged))) > 0,
    "ffmpeg wrote an ID3 tag",
  );
  assert.deepEqual(await sniffMp3(tagged), { sampleRate: 44100, channels: 2 });
  assert.deepEqual(await sniffMp3(new Uint8Array(readFileSync(tagged))), {
    sampleRate: 44100,
    channels: 2,
  });
  assert.equal(await sniffMp3(wavPath), null);
  assert.equal(await sniffMp3(encode("g.flac", [])), null);
  assert.equal(await sniffMp3(encode("g.m4a", ["-c:a", "aac"])), null);
  // one lone header-like pattern is not enough: the next frame must agree
  assert.equal(
    sniffFrames(
      Uint8Array.from([0xff, 0xfb, 0x90, 0x64, ...new Uint8Array(600)]),
    ),
    null,
  );
});

test("mp3 - mpg123 runs only where its rate divides down to the target; stereo mixes at ffmpeg's level", () => {
  assert.deepEqual(
    mpg123Args({ sampleRate: 44100, channels: 2 }, 22050, "a.mp3"),
    [
      "-q",
      "-m",
      "-2",
      "-e",
      "f32",
      "-s",
      "a.mp3",
    ],
  );
  assert.deepEqual(
    mpg123Args({ sampleRate: 22050, channels: 1 }, 22050, "-")?.includes("-2"),
    false,
  );
  assert.ok(
    mpg123Args({ sampleRate: 44100, channels: 2 }, 11025, "-")?.includes("-4"),
  );
  assert.equal(
    mpg123Args({ sampleRate: 48000, channels: 2 }, 22050, "a.mp3"),
    null,
  );
  assert.equal(monoGain({ sampleRate: 44100, channels: 2 }), Math.SQRT2);
  assert.equal(monoGain({ sampleRate: 22050, channels: 1 }), 1);
});

/** Root mean square of `a` over [from, to). */
function rms(a: Float32Array, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] * a[i];
  return Math.sqrt(s / (to - from));
}

test("mp3 - mpg123 and ffmpeg decode an MP3 to the same length, timing and level; ffmpeg takes over without mpg123", async () => {
  const path = encode("stereo2.mp3", ["-ac", "2", "-b:a", "192k"]);
  const fast = (await decodeAudio(path)).samples;
  const slow =
    (await decodeAudio(path, { mpg123Path: join(dir, "no-mpg123") })).samples;
  const bytes = (await decodeAudio(new Uint8Array(readFileSync(path)))).samples;
  assert.equal(fast.length, slow.length);
  assert.deepEqual(bytes, fast, "bytes on stdin decode like the path");
  // same level within 2 %, and the same waveform below the resamplers' roll-off: the difference is small
  assert.ok(
    Math.abs(rms(fast) / rms(slow) - 1) < 0.02,
    `${rms(fast)} vs ${rms(slow)}`,
  );
  const diff = fast.map((x, i) => x - slow[i]);
  assert.ok(
    rms(diff) < 0.3 * rms(slow),
    `difference ${rms(diff)} of ${rms(slow)}`,
  );
  // same timing: the first hit (0.5 s) starts in the same 5 ms in both
  const onset = (a: Float32Array) => a.findIndex((x) => Math.abs(x) > 0.05);
  assert.ok(
    Math.abs(onset(fast) - onset(slow)) < 110,
    `${onset(fast)} vs ${onset(slow)}`,
  );
});

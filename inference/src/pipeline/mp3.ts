/**
 * MP3 fast path of the decode stage. MP3 is most of what people upload, and mpg123 decodes it about twice as fast
 * as ffmpeg here: it mixes to mono before its synthesis filterbank and can synthesise at a half or a quarter of the
 * stream's rate directly (`-2`, `-4`), so no separate resampling pass runs. Only a stream whose first two frame
 * headers agree takes this path; anything else (and any mpg123 failure) goes through ffmpeg.
 */
import { open } from "node:fs/promises";

export interface Mp3Stream {
  /** [Hz] */
  sampleRate: number;
  channels: 1 | 2;
}

const SAMPLE_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};
/** [kbit/s] Layer III bit rates by index, MPEG-1 and MPEG-2/2.5. */
const kbps = (list: string) => list.split(" ").map(Number);
const BITRATES_V1 = kbps("0 32 40 48 56 64 80 96 112 128 160 192 224 256 320");
const BITRATES_V2 = kbps("0 8 16 24 32 40 48 56 64 80 96 112 128 144 160");

interface FrameHeader extends Mp3Stream {
  version: number;
  /** [bytes] the whole frame, header included */
  length: number;
}

/** The Layer III frame header at `at`, or null where the bytes are not one (free-format frames included). */
export function frameHeader(bytes: Uint8Array, at: number): FrameHeader | null {
  if (at + 4 > bytes.length) return null;
  const [b0, b1, b2, b3] = bytes.subarray(at, at + 4);
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3, layer = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4, rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layer !== 1 || rateIndex === 3) return null;
  if (bitrateIndex === 0 || bitrateIndex === 15) return null;
  const sampleRate = SAMPLE_RATES[version][rateIndex];
  const kbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex];
  const perFrame = version === 3 ? 144 : 72;
  const length = Math.floor((perFrame * kbps * 1000) / sampleRate) +
    ((b2 >> 1) & 1);
  return { version, sampleRate, channels: b3 >> 6 === 3 ? 1 : 2, length };
}

/** [bytes] the size of a leading ID3v2 tag (header and footer included), 0 when there is none. */
export function id3Size(bytes: Uint8Array): number {
  if (
    bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 ||
    bytes[2] !== 0x33
  ) return 0;
  const size = (bytes[6] << 21) | (bytes[7] << 14) | (bytes[8] << 7) | bytes[9];
  return 10 + size + (bytes[5] & 0x10 ? 10 : 0);
}

/** How far past the ID3 tag the first frame may start (encoders pad with zeros). */
const SYNC_SEARCH = 16384;
/** Enough bytes for the search plus two of the largest frames. */
const PROBE_BYTES = SYNC_SEARCH + 2 * 1441 + 4;

/** The stream's rate and channels when `bytes` (starting right after any ID3 tag) begin an MP3 stream. */
export function sniffFrames(bytes: Uint8Array): Mp3Stream | null {
  for (let at = 0; at < Math.min(SYNC_SEARCH, bytes.length - 4); at++) {
    if (bytes[at] !== 0xff) continue;
    const first = frameHeader(bytes, at);
    if (!first) continue;
    const second = frameHeader(bytes, at + first.length);
    if (
      second && second.version === first.version &&
      second.sampleRate === first.sampleRate
    ) {
      return { sampleRate: first.sampleRate, channels: first.channels };
    }
  }
  return null;
}

/** {@link sniffFrames} of file bytes or of the file at a path (reading only its start). */
export async function sniffMp3(
  input: Uint8Array | string,
): Promise<Mp3Stream | null> {
  if (typeof input !== "string") {
    return sniffFrames(
      input.subarray(id3Size(input), id3Size(input) + PROBE_BYTES),
    );
  }
  const file = await open(input, "r");
  try {
    const head = new Uint8Array(10);
    await file.read(head, 0, 10, 0);
    const buf = new Uint8Array(PROBE_BYTES);
    const { bytesRead } = await file.read(buf, 0, PROBE_BYTES, id3Size(head));
    return sniffFrames(buf.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/**
 * mpg123 arguments that decode to mono at `sampleRate`, or null when its rate is not the stream's rate divided
 * by 1, 2 or 4 (then ffmpeg resamples).
 */
export function mpg123Args(
  stream: Mp3Stream,
  sampleRate: number,
  input: string,
): string[] | null {
  const ratio = stream.sampleRate / sampleRate;
  if (ratio !== 1 && ratio !== 2 && ratio !== 4) return null;
  return [
    "-q",
    "-m",
    ...(ratio === 1 ? [] : [`-${ratio}`]),
    "-e",
    "f32",
    "-s",
    input,
  ];
}

/**
 * The gain that makes mpg123's stereo-to-mono mix, (L + R) / 2, equal ffmpeg's, (L + R) / sqrt(2), so a file
 * reads at the same level whichever decoder ran.
 */
export function monoGain(stream: Mp3Stream): number {
  return stream.channels === 2 ? Math.SQRT2 : 1;
}

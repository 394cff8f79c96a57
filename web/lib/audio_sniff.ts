/**
 * Recognises audio containers from their first bytes, so a renamed PDF is refused before any job runs. Only the
 * formats the decoder accepts are recognised; the browser's declared content type is not trusted.
 */

/** Bytes to read from the start of a file for {@link sniffAudio}. */
export const SNIFF_BYTES = 64;

/** Container names {@link sniffAudio} returns. */
export type AudioContainer = "wav" | "mp3" | "flac" | "ogg" | "mp4" | "aac";

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** An MPEG audio frame header: 11 sync bits, a valid version/layer, and a bitrate index that is not "bad". */
function isMpegFrame(b: Uint8Array): boolean {
  if (b.length < 3 || b[0] !== 0xff || (b[1] & 0xe0) !== 0xe0) return false;
  const version = (b[1] >> 3) & 0x03;
  const layer = (b[1] >> 1) & 0x03;
  const bitrate = (b[2] >> 4) & 0x0f;
  const sampleRate = (b[2] >> 2) & 0x03;
  return version !== 0x01 && layer !== 0x00 && bitrate !== 0x0f && sampleRate !== 0x03;
}

/** An AAC ADTS header: 12 sync bits, layer 00. */
function isAdts(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0;
}

/** The container of `head` (the first {@link SNIFF_BYTES} of a file), or null when it is not audio we know. */
export function sniffAudio(head: Uint8Array): AudioContainer | null {
  if (head.length >= 12 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WAVE") return "wav";
  if (head.length >= 4 && ascii(head, 0, 4) === "fLaC") return "flac";
  if (head.length >= 4 && ascii(head, 0, 4) === "OggS") return "ogg";
  if (head.length >= 8 && ascii(head, 4, 4) === "ftyp") return "mp4";
  if (head.length >= 3 && ascii(head, 0, 3) === "ID3") return "mp3";
  if (isMpegFrame(head)) return "mp3";
  if (isAdts(head)) return "aac";
  return null;
}

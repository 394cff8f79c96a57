/** Test helper: encodes an audio file with ffmpeg (the codec follows the output name's extension). */
import { execFileSync } from "node:child_process";

/** Writes `output` from `input`; `args` (channels, rate, bit rate, codec) go between them. */
export function encodeAudio(
  input: string,
  output: string,
  args: string[] = [],
): string {
  execFileSync("ffmpeg", [
    "-loglevel",
    "error",
    "-y",
    "-i",
    input,
    ...args,
    output,
  ]);
  return output;
}

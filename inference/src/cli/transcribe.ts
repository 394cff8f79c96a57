/**
 * `deno task transcribe <audio-file>`: prints the drafted .bsm drum map of one audio file as a single JSON
 * document on stdout; logs go to stderr. Exits 1 with a one-line message on a missing argument or file, or on
 * audio that cannot be decoded. Also runs under Node: `node --import tsx src/cli/transcribe.ts <file>`.
 */
import process from "node:process";
import { transcribeFile } from "../pipeline/transcribe_file.ts";
import { BadInputError } from "../pipeline/types.ts";

const USAGE =
  "usage: deno task transcribe <audio-file>  (prints a .bsm drum map as JSON on stdout)";

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === "-h" || args[0] === "--help") {
    console.error(USAGE);
    return 1;
  }
  try {
    const started = Date.now();
    const map = await transcribeFile(args[0]);
    process.stdout.write(JSON.stringify(map) + "\n");
    console.error(
      `transcribed ${
        args[0]
      }: ${map.notes.length} notes, ${map.tempo.bpm} bpm in ${
        Date.now() - started
      } ms`,
    );
    return 0;
  } catch (e) {
    // Bad input is the user's to fix: one clear line. Anything else is a bug: keep the stack for the report.
    console.error(e instanceof BadInputError ? `error: ${e.message}` : e);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));

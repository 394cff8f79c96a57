/**
 * Audio fingerprint with Chromaprint's `fpcalc` (Debian: libchromaprint-tools). The decode stage's PCM is written to a
 * temporary 16-bit WAV and fingerprinted; `fingerprintHash` is the sha256 hex of the fingerprint string fpcalc prints
 * (its compressed base64 form), which is what web matches songs on. Runtime-neutral: node: builtins only.
 */
import { Buffer } from "node:buffer";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobMessage } from "../contracts/job_message.ts";
import { BadInputError, type Stage } from "./types.ts";
import { readDecoded } from "./decode.ts";

/** [seconds] of audio fpcalc looks at (its own default); enough to identify a recording. */
export const FINGERPRINT_LENGTH_SEC = 120;
/** [ms] fpcalc may take before it is killed. */
const FPCALC_TIMEOUT_MS = 60_000;

/** What `fingerprintPcm` returns. */
export interface AudioFingerprint {
  /** Chromaprint's compressed fingerprint (base64url, AcoustID-compatible). */
  fingerprint: string;
  /** sha256 hex of `fingerprint`. */
  fingerprintHash: string;
  /** [seconds] of the whole input, not only the fingerprinted part. */
  durationSec: number;
}

/** `fpcalc` is not installed. */
export class FpcalcMissingError extends Error {
  override name = "FpcalcMissingError";
  constructor(options?: ErrorOptions) {
    super(
      "fpcalc (Chromaprint) is not installed: install libchromaprint-tools (apt-get install libchromaprint-tools)",
      options,
    );
  }
}

/** Mono float samples -> 16-bit PCM WAV bytes (what fpcalc reads without guessing the format). */
export function pcmToWav16(
  samples: Float32Array,
  sampleRate: number,
): Uint8Array {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write("WAVEfmt ", 8, "ascii");
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write("data", 36, "ascii");
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] || 0));
    out.writeInt16LE(Math.round(s * 32767), 44 + i * 2);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function runFpcalc(
  file: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ["-json", "-length", String(FINGERPRINT_LENGTH_SEC), file];
  return new Promise((resolve, reject) => {
    execFile(
      "fpcalc",
      args,
      { timeout: FPCALC_TIMEOUT_MS },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (code === "ENOENT") {
          return reject(new FpcalcMissingError({ cause: err }));
        }
        // fpcalc 1.5 with newer FFmpeg exits 3 after printing a valid result (it reports the end of file as an
        // error), so the exit code alone cannot decide; the printed JSON does.
        resolve({
          code: typeof code === "number" ? code : -1,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/** Fingerprints mono `samples` at `sampleRate` [Hz]. Throws BadInputError when there is too little audio. */
export async function fingerprintPcm(
  samples: Float32Array,
  sampleRate: number,
): Promise<AudioFingerprint> {
  if (!(sampleRate > 0)) {
    throw new RangeError(`sampleRate must be positive, got ${sampleRate}`);
  }
  if (samples.length === 0) {
    throw new BadInputError(
      "The audio is empty; there is nothing to fingerprint.",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "beatsight-fp-"));
  try {
    const file = join(dir, "audio.wav");
    await writeFile(file, pcmToWav16(samples, sampleRate));
    const { code, stdout, stderr } = await runFpcalc(file);
    const fingerprint = parseFingerprint(stdout);
    if (!fingerprint) {
      const why = stderr.trim().split("\n").at(-1) || `exit code ${code}`;
      throw new BadInputError(
        `Could not fingerprint the audio (${why}); it may be too short or damaged.`,
      );
    }
    const fingerprintHash = createHash("sha256").update(fingerprint).digest(
      "hex",
    );
    return {
      fingerprint,
      fingerprintHash,
      durationSec: samples.length / sampleRate,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseFingerprint(stdout: string): string | null {
  try {
    const parsed = JSON.parse(stdout) as { fingerprint?: unknown };
    return typeof parsed.fingerprint === "string" && parsed.fingerprint
      ? parsed.fingerprint
      : null;
  } catch {
    return null;
  }
}

/** Artifact key of the fingerprint stage. */
export function fingerprintKey(job: Pick<JobMessage, "jobId">): string {
  return `jobs/${job.jobId}/fingerprint.json`;
}

/** The fingerprint stage: `jobs/{id}/decode.f32` -> `jobs/{id}/fingerprint.json` ({@link AudioFingerprint}). */
export function createFingerprintStage(): Stage {
  return {
    name: "fingerprint",
    outputKey: fingerprintKey,
    async run(ctx) {
      const { samples, sampleRate } = await readDecoded(ctx);
      const result = await fingerprintPcm(samples, sampleRate);
      const body = new TextEncoder().encode(JSON.stringify(result));
      await ctx.store.put(fingerprintKey(ctx.job), body, "application/json");
      ctx.log.info("fingerprinted audio", {
        fingerprintHash: result.fingerprintHash,
        durationSec: result.durationSec,
      });
    },
  };
}

/**
 * Wires the stage factories into the set the runner uses. `separate` (stems) is left out until a stems model
 * ships; no job type lists it yet (contracts/stages.ts STAGES_BY_JOB_TYPE).
 */
import type { StageName } from "../contracts/stages.ts";
import { createBeatsStage } from "./beats.ts";
import { createDecodeStage } from "./decode.ts";
import { createFingerprintStage } from "./fingerprint.ts";
import { createPackageStage } from "./package.ts";
import { createQuantizeStage } from "./quantize.ts";
import { createTranscribeStage, type Transcriber } from "./transcribe.ts";
import type { Stage } from "./types.ts";

export interface BuildStagesOptions {
  /** The loaded model (loadTranscriber), created once per process. */
  transcriber: Transcriber;
}

/** Every stage this build can run, by name. */
export function buildStages(
  options: BuildStagesOptions,
): Partial<Record<StageName, Stage>> {
  const stages = [
    createDecodeStage(),
    createFingerprintStage(),
    createTranscribeStage(options.transcriber),
    createBeatsStage(),
    createQuantizeStage(),
    createPackageStage(),
  ];
  return Object.fromEntries(stages.map((s) => [s.name, s]));
}

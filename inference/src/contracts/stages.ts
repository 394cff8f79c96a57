/**
 * The stage vocabulary shared by web and inference. A job type runs its stages in this order; a retry with
 * `resumeFrom` reuses the recorded outputs of the stages before it and recomputes the rest.
 */
import { z } from "zod";

/** Every stage name, in pipeline order. */
export const STAGES = ["decode", "fingerprint", "separate", "transcribe", "beats", "quantize", "package"] as const;
export const stageSchema = z.enum(STAGES);
export type StageName = z.infer<typeof stageSchema>;

export const JOB_TYPES = ["fingerprint", "generate_map"] as const;
export const jobTypeSchema = z.enum(JOB_TYPES);
export type JobType = z.infer<typeof jobTypeSchema>;

/** Stages each job type runs, in order. `separate` (stems) joins generate_map when a stems model ships. */
export const STAGES_BY_JOB_TYPE: Record<JobType, readonly StageName[]> = {
  fingerprint: ["decode", "fingerprint"],
  generate_map: ["decode", "transcribe", "beats", "quantize", "package"],
};

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** Statuses a job never leaves. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

/** The stages of `type` that must run when resuming from `resumeFrom` (all of them when it is absent). */
export function stagesToRun(type: JobType, resumeFrom?: StageName | null): readonly StageName[] {
  const stages = STAGES_BY_JOB_TYPE[type];
  if (!resumeFrom) return stages;
  const index = stages.indexOf(resumeFrom);
  if (index < 0) throw new RangeError(`Stage "${resumeFrom}" is not part of a ${type} job (${stages.join(", ")}).`);
  return stages.slice(index);
}

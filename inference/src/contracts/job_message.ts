/** The body web publishes to QStash and inference receives at `POST /v1/jobs`. */
import { z } from "zod";
import { jobTypeSchema, stageSchema } from "./stages.ts";

export const jobMessageSchema = z.object({
  jobId: z.string().uuid(),
  /** 1 for the first dispatch; each retry or watchdog re-dispatch increments it. */
  attempt: z.number().int().positive(),
  type: jobTypeSchema,
  songId: z.string().uuid(),
  /** S3 key of the uploaded audio. */
  audioKey: z.string().min(1),
  /** Recompute from this stage; earlier stages reuse their recorded outputs. */
  resumeFrom: stageSchema.nullable().optional(),
  /** Outputs recorded by earlier attempts: stage -> S3 key. */
  stageOutputs: z.partialRecord(stageSchema, z.string()).default({}),
  /** Where inference posts signed progress and result callbacks. */
  callbackUrl: z.string().url(),
  traceId: z.string().min(1).max(128),
  priority: z.number().int().min(0).max(9).default(5),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

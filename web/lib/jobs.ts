/**
 * The job domain (no Hono): create + publish to QStash, cancel, retry. Callback handling lives in
 * job_callbacks.ts and the watchdog in watchdog.ts; both are re-exported here so callers have one entry point.
 */
import type { JobMessage } from "../../inference/src/contracts/job_message.ts";
import {
  type JobType,
  type StageName,
  STAGES_BY_JOB_TYPE,
  TERMINAL_STATUSES,
} from "../../inference/src/contracts/stages.ts";
import { insertJobEvent, type JobEventName } from "../db/job_events.ts";
import type { Db } from "../db/db_types.ts";
import { findActiveJob, findUserJob, insertJob, type Job, type JobPatch, lockJob, updateJob } from "../db/jobs.ts";
import { findAudioKey, findUserSong, setSongStatus } from "../db/songs.ts";
import type { AppDeps } from "./app_env.ts";
import { ConflictError, HttpError, NotFoundError } from "./errors.ts";
import { notifyJobTerminal } from "./library.ts";
import { chargeRun, type FailureCause, PRIORITY_BY_PLAN, refundIfMachineFailure, reserveRun } from "./quota.ts";

export { applyCallback, failJobFromQStash } from "./job_callbacks.ts";
export { runWatchdogOnce, startJobWatchdog } from "./watchdog.ts";

/** What the job functions need from the app's dependencies. */
export type JobDeps = Pick<AppDeps, "sql" | "qstash" | "config" | "log" | "metrics">;

/** Path on the inference server that receives job messages. */
export const INFERENCE_JOBS_PATH = "/v1/jobs";
/** Path on this server that receives QStash failure callbacks. */
export const QSTASH_FAILURE_PATH = "/api/v1/callbacks/qstash-failure";
/** Path on this server that receives inference callbacks. */
export const INFERENCE_CALLBACK_PATH = "/api/v1/callbacks/inference";

/** True for succeeded/failed/cancelled. */
export function isTerminal(job: Pick<Job, "status">): boolean {
  return TERMINAL_STATUSES.includes(job.status);
}

/** Appends a job event at the job's current attempt; `seq` continues after the last callback's. */
export async function recordEvent(db: Db, job: Job, event: JobEventName, message: string | null): Promise<void> {
  await insertJobEvent(db, {
    jobId: job.id,
    attempt: job.attempts,
    seq: job.lastSeq + 1,
    event,
    stage: job.stage,
    progress: job.progress,
    message,
  });
}

/**
 * Moves a locked, non-terminal job to failed with `error`, records the event, fails a fingerprinting song,
 * notifies the owner, and refunds the AI run when `cause` is the machine's (default) rather than the input's.
 */
export async function failLockedJob(
  deps: JobDeps,
  tx: Db,
  job: Job,
  error: string,
  cause: FailureCause = "machine",
): Promise<Job> {
  const failed = await updateJob(tx, job.id, { status: "failed", error, finishedAt: new Date() });
  await recordEvent(tx, failed, "failed", error);
  if (job.type === "fingerprint") await setSongStatus(tx, job.songId, "failed");
  await refundIfMachineFailure(tx, job.id, cause, error);
  await notifyJobTerminal(tx, failed, "failed");
  deps.metrics.jobFailures.inc({ stage: job.stage ?? "dispatch" });
  return failed;
}

/** The first stage of the job type with no recorded output (where a re-dispatch resumes), or null for "all". */
export function firstStageWithoutOutput(job: Pick<Job, "type" | "stageOutputs">): StageName | null {
  const stages = STAGES_BY_JOB_TYPE[job.type];
  const missing = stages.find((stage) => !job.stageOutputs[stage]);
  // Every output recorded but no completion seen: the final callback was lost, so re-run only the last stage.
  if (!missing) return stages[stages.length - 1];
  return missing === stages[0] ? null : missing;
}

/** The patch that re-queues a job for dispatch number attempts+1. */
export function redispatchPatch(job: Job, resumeFrom: StageName | null): JobPatch {
  return { status: "queued", attempts: job.attempts + 1, resumeFrom, heartbeatAt: null, error: null, finishedAt: null };
}

/**
 * Publishes dispatch `job.attempts` to QStash (dedup id `${jobId}:${attempt}`, 3 retries, failure callback). A
 * publish error fails the job with a readable reason instead of leaving it queued forever.
 */
export async function publishJob(deps: JobDeps, job: Job): Promise<Job> {
  const { config } = deps;
  try {
    const audioKey = await findAudioKey(deps.sql, job.songId);
    if (!audioKey) throw new Error("the song has no uploaded audio");
    const body: JobMessage = {
      jobId: job.id,
      attempt: job.attempts,
      type: job.type,
      songId: job.songId,
      audioKey,
      resumeFrom: job.resumeFrom,
      stageOutputs: job.stageOutputs,
      callbackUrl: config.publicUrl + INFERENCE_CALLBACK_PATH,
      traceId: job.traceId,
      priority: job.priority,
    };
    await deps.qstash.publishJSON({
      url: config.inferenceUrl + INFERENCE_JOBS_PATH,
      body,
      deduplicationId: `${job.id}:${job.attempts}`,
      retries: 3,
      failureCallback: config.publicUrl + QSTASH_FAILURE_PATH,
      headers: { "x-trace-id": job.traceId },
    });
    deps.log.info("job published", { traceId: job.traceId, jobId: job.id, attempt: job.attempts });
    return job;
  } catch (error) {
    deps.log.error("job publish failed", { traceId: job.traceId, jobId: job.id, error });
    const reason = `The job could not be queued for the inference server: ${(error as Error).message}`;
    return await deps.sql.begin(async (tx) => {
      const locked = await lockJob(tx, job.id);
      if (!locked || isTerminal(locked)) return locked ?? job;
      return await failLockedJob(deps, tx, locked, reason);
    });
  }
}

/** Input of {@link createJob}. */
export interface CreateJobInput {
  type: JobType;
  songId: string;
  /** 0 .. 9, higher runs sooner; default and ceiling: the user's plan's (web/lib/quota.ts PRIORITY_BY_PLAN). */
  priority?: number;
}

/**
 * Creates and publishes a job for the user's song. A generate_map job needs a ready song and an AI run left this
 * month (402 otherwise; the run is counted with the job); an already queued or running job of the same type for
 * the song is returned instead (`created: false`, nothing counted).
 */
export async function createJob(
  deps: JobDeps,
  userId: string,
  input: CreateJobInput,
  traceId: string,
): Promise<{ job: Job; created: boolean }> {
  const outcome = await deps.sql.begin(async (tx) => {
    // Serialise creations per song so two concurrent requests cannot both start a job.
    await tx`select pg_advisory_xact_lock(hashtext(${input.songId}))`;
    const song = await findUserSong(tx, userId, input.songId);
    if (!song) throw new NotFoundError("song");
    if (input.type === "generate_map" && song.status !== "ready") {
      throw new ConflictError(`The song is not ready for a map yet (it is ${song.status}).`, {
        hint: "Wait for the fingerprint job to finish, then try again.",
      });
    }
    const active = await findActiveJob(tx, song.id, input.type);
    if (active) return { job: active, created: false };
    const quota = input.type === "generate_map" ? await reserveRun(tx, deps.config, userId) : null;
    const lane = PRIORITY_BY_PLAN[quota?.plan ?? "free"];
    const job = await insertJob(tx, {
      userId,
      songId: song.id,
      type: input.type,
      priority: Math.min(input.priority ?? lane, lane),
      maxAttempts: deps.config.jobMaxAttempts,
      traceId,
    });
    if (quota) await chargeRun(tx, userId, job.id);
    if (input.type === "fingerprint") await setSongStatus(tx, song.id, "fingerprinting");
    return { job, created: true };
  });
  if (!outcome.created) return outcome;
  return { job: await publishJob(deps, outcome.job), created: true };
}

/** Cancels the user's queued or running job; a finished job is a 409. */
export async function cancelJob(deps: JobDeps, userId: string, jobId: string): Promise<Job> {
  return await deps.sql.begin(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (!job || job.userId !== userId) throw new NotFoundError("job");
    if (isTerminal(job)) throw new ConflictError(`The job has already ${describeStatus(job)}; it cannot be cancelled.`);
    const cancelled = await updateJob(tx, job.id, { status: "cancelled", finishedAt: new Date() });
    await recordEvent(tx, cancelled, "cancelled", "Cancelled by the user.");
    if (job.type === "fingerprint") await setSongStatus(tx, job.songId, "failed");
    return cancelled;
  });
}

/**
 * Retries the user's failed or cancelled job as dispatch attempts+1, from `resumeFrom` (a stage of the job's type)
 * or from the first stage without a recorded output.
 */
export async function retryJob(deps: JobDeps, userId: string, jobId: string, resumeFrom?: StageName): Promise<Job> {
  const existing = await findUserJob(deps.sql, userId, jobId);
  if (!existing) throw new NotFoundError("job");
  const stages = STAGES_BY_JOB_TYPE[existing.type];
  if (resumeFrom && !stages.includes(resumeFrom)) {
    throw new HttpError(400, `"resumeFrom" must be one of the stages of a ${existing.type} job: ${stages.join(", ")}.`);
  }
  const queued = await deps.sql.begin(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (!job || job.userId !== userId) throw new NotFoundError("job");
    if (job.status !== "failed" && job.status !== "cancelled") {
      throw new ConflictError(`Only failed or cancelled jobs can be retried; this one is ${job.status}.`);
    }
    const from = resumeFrom === stages[0] ? null : resumeFrom ?? firstStageWithoutOutput(job);
    const next = await updateJob(tx, job.id, {
      ...redispatchPatch(job, from),
      // A manual retry gets a fresh budget of watchdog re-dispatches.
      maxAttempts: Math.max(job.maxAttempts, job.attempts + deps.config.jobMaxAttempts),
      stage: null,
      progress: 0,
    });
    await recordEvent(tx, next, "progress", `Retrying (attempt ${next.attempts}).`);
    if (job.type === "fingerprint") await setSongStatus(tx, job.songId, "fingerprinting");
    return next;
  });
  return await publishJob(deps, queued);
}

function describeStatus(job: Job): string {
  return job.status === "succeeded" ? "finished" : job.status === "failed" ? "failed" : "been cancelled";
}

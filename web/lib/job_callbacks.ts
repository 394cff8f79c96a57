/**
 * Applies inference callbacks and QStash failure callbacks to jobs (docs/CONTRACTS.md §5): one transaction per
 * callback with the job row locked, idempotent and order-safe, and a terminal status is never left.
 */
import type { Callback } from "../../inference/src/contracts/callback.ts";
import type { JobMessage } from "../../inference/src/contracts/job_message.ts";
import { insertJobEvent } from "../db/job_events.ts";
import type { Db } from "../db/db_types.ts";
import { type Job, lockJob, updateJob } from "../db/jobs.ts";
import { findOrCreateUnverifiedMap, insertJobVersion } from "../db/maps.ts";
import { applyFingerprint } from "../db/songs.ts";
import { notifyJobTerminal } from "./library.ts";
import {
  failLockedJob,
  firstStageWithoutOutput,
  isTerminal,
  type JobDeps,
  publishJob,
  redispatchPatch,
} from "./jobs.ts";

/** Result of {@link applyCallback}: the reply for inference and whether the callback changed anything. */
export interface CallbackOutcome {
  continue: boolean;
  applied: boolean;
}

/**
 * Applies one verified callback. Stale progress (not newer than the stored attempt/seq) and callbacks for a
 * terminal job change nothing; a callback from a superseded attempt is told to stop. A retryable failure with
 * attempts left is re-dispatched (after the transaction commits).
 */
export async function applyCallback(deps: JobDeps, cb: Callback): Promise<CallbackOutcome> {
  const { outcome, republish } = await deps.sql.begin(async (tx) => {
    const job = await lockJob(tx, cb.jobId);
    if (!job) {
      deps.log.warn("callback for unknown job", { traceId: cb.traceId, jobId: cb.jobId });
      return { outcome: { continue: false, applied: false }, republish: null };
    }
    if (isTerminal(job)) return { outcome: { continue: false, applied: false }, republish: null };
    if (cb.event === "completed") return { outcome: await complete(deps, tx, job, cb), republish: null };
    // An older attempt is still running although a newer dispatch exists (e.g. the watchdog gave up on it).
    if (cb.attempt < job.attempts) return { outcome: { continue: false, applied: false }, republish: null };
    const newer = cb.attempt > job.lastAttempt || (cb.attempt === job.lastAttempt && cb.seq > job.lastSeq);
    if (!newer) return { outcome: { continue: true, applied: false }, republish: null };
    if (cb.event === "progress") return { outcome: await progress(tx, job, cb), republish: null };
    return await fail(deps, tx, job, cb);
  });
  if (republish) await publishJob(deps, republish);
  return outcome;
}

/** Columns every accepted callback updates: ordering, heartbeat, merged outputs and timings. */
function basePatch(job: Job, cb: Callback) {
  return {
    stage: cb.stage,
    lastAttempt: Math.max(job.lastAttempt, cb.attempt),
    lastSeq: cb.attempt >= job.lastAttempt ? cb.seq : job.lastSeq,
    heartbeatAt: new Date(),
    stageOutputs: { ...job.stageOutputs, ...cb.stageOutputs },
    stageTimings: { ...job.stageTimings, ...cb.stageTimingsMs },
  };
}

async function event(tx: Db, job: Job, cb: Callback, message: string | null): Promise<void> {
  const name = cb.event === "completed" ? "completed" : cb.event === "failed" ? "failed" : "progress";
  await insertJobEvent(tx, {
    jobId: job.id,
    attempt: cb.attempt,
    seq: cb.seq,
    event: name,
    stage: cb.stage,
    progress: cb.progress,
    message,
  });
}

function observeTimings(deps: JobDeps, job: Job, cb: Callback): void {
  for (const [stage, ms] of Object.entries(cb.stageTimingsMs)) {
    if (job.stageTimings[stage as keyof Job["stageTimings"]] === undefined && ms !== undefined) {
      deps.metrics.stageDuration.observe({ stage }, ms / 1000);
    }
  }
}

async function progress(tx: Db, job: Job, cb: Callback): Promise<CallbackOutcome> {
  const updated = await updateJob(tx, job.id, {
    ...basePatch(job, cb),
    status: "running",
    progress: cb.progress,
    startedAt: job.startedAt ?? new Date(),
  });
  await event(tx, updated, cb, null);
  return { continue: true, applied: true };
}

async function complete(deps: JobDeps, tx: Db, job: Job, cb: Extract<Callback, { event: "completed" }>) {
  observeTimings(deps, job, cb);
  const result = cb.result;
  const updated = await updateJob(tx, job.id, {
    ...basePatch(job, cb),
    status: "succeeded",
    progress: 1,
    result,
    error: null,
    startedAt: job.startedAt ?? new Date(),
    finishedAt: new Date(),
  });
  if (result.kind === "fingerprint") {
    await applyFingerprint(tx, job.songId, result.fingerprintHash, result.durationSec);
  } else {
    const map = await findOrCreateUnverifiedMap(tx, job.songId);
    await insertJobVersion(tx, {
      mapId: map.id,
      jobId: job.id,
      s3Key: result.mapKey,
      noteCount: result.noteCount,
      bpm: result.bpm,
      durationSec: result.durationSec,
      modelVersion: result.modelVersion,
    });
    await tx`update songs set bpm = ${result.bpm}, duration_sec = coalesce(duration_sec, ${result.durationSec})
      where id = ${job.songId}`;
  }
  await event(tx, updated, cb, null);
  await notifyJobTerminal(tx, updated, "succeeded");
  return { continue: false, applied: true };
}

async function fail(deps: JobDeps, tx: Db, job: Job, cb: Extract<Callback, { event: "failed" }>) {
  observeTimings(deps, job, cb);
  const merged = await updateJob(tx, job.id, { ...basePatch(job, cb), progress: cb.progress });
  if (cb.retryable && merged.attempts < merged.maxAttempts) {
    const next = await updateJob(tx, job.id, redispatchPatch(merged, firstStageWithoutOutput(merged)));
    await event(
      tx,
      next,
      { ...cb, event: "progress" } as Callback,
      `Attempt ${cb.attempt} failed (${cb.error}); retrying.`,
    );
    return { outcome: { continue: false, applied: true }, republish: next };
  }
  // retryable false means the input is at fault (unreadable audio): that run stays counted.
  await failLockedJob(deps, tx, merged, cb.error, cb.retryable ? "machine" : "input");
  return { outcome: { continue: false, applied: true }, republish: null };
}

/** What the QStash failure callback reports about the delivery that finally failed. */
export interface QStashFailure {
  message: JobMessage;
  /** HTTP status of inference's last answer (0 when unreachable). */
  status: number;
  /** Start of inference's last answer body. */
  bodyExcerpt: string;
  /** Delivery attempts QStash made. */
  attempts: number;
}

/**
 * Fails the job after QStash gave up delivering it. Ignored when the job is terminal or the failed message
 * belongs to an older dispatch than the job's current one.
 */
export async function failJobFromQStash(deps: JobDeps, f: QStashFailure): Promise<Job | null> {
  return await deps.sql.begin(async (tx) => {
    const job = await lockJob(tx, f.message.jobId);
    if (!job || isTerminal(job) || f.message.attempt < job.attempts) return null;
    const detail = [f.status ? `HTTP ${f.status}` : "no answer", f.bodyExcerpt].filter(Boolean).join(": ");
    const reason = `Inference could not run this job after ${f.attempts} attempts: ${detail}`;
    return await failLockedJob(deps, tx, job, reason.slice(0, 2000));
  });
}

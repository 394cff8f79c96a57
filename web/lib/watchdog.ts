/**
 * The job watchdog (docs/CONTRACTS.md §6): a running job without a heartbeat for `staleAfterSec`, or a queued job
 * nobody picked up that long, is re-published as the next attempt, resuming at the first stage without a recorded
 * output. Once a job has used its `max_attempts` it is failed with a readable reason.
 */
import { STAGES_BY_JOB_TYPE } from "../../inference/src/contracts/stages.ts";
import { findStaleJobIds, type Job, lockStaleJob, updateJob } from "../db/jobs.ts";
import {
  failLockedJob,
  firstStageWithoutOutput,
  type JobDeps,
  publishJob,
  recordEvent,
  redispatchPatch,
} from "./jobs.ts";

/** Options of the watchdog. */
export interface WatchdogOptions {
  /** [seconds] heartbeat age after which a job counts as dead (JOB_STALE_AFTER_SEC). */
  staleAfterSec: number;
  /**
   * Dispatches allowed per job before it is failed (JOB_MAX_ATTEMPTS). The job row's own `max_attempts` wins when
   * it is larger, since a manual retry extends a job's budget.
   */
  maxAttempts: number;
  /** [ms] between scans; default staleAfterSec / 3. */
  intervalMs?: number;
}

/** What one scan did: ids re-published and ids failed. */
export interface WatchdogReport {
  redispatched: string[];
  failed: string[];
}

/** The message a job gets when the watchdog gives up on it. */
export function stalledMessage(job: Job): string {
  const stage = job.stage ?? STAGES_BY_JOB_TYPE[job.type][0];
  return `The inference server stopped responding while running stage ${stage}; try again later.`;
}

/** Scans once; each stale job is handled in its own transaction (rows held by another scanner are skipped). */
export async function runWatchdogOnce(deps: JobDeps, options: WatchdogOptions): Promise<WatchdogReport> {
  const report: WatchdogReport = { redispatched: [], failed: [] };
  for (const id of await findStaleJobIds(deps.sql, options.staleAfterSec)) {
    const next = await deps.sql.begin(async (tx) => {
      const job = await lockStaleJob(tx, id, options.staleAfterSec);
      if (!job) return null;
      if (job.attempts >= Math.max(job.maxAttempts, options.maxAttempts)) {
        await failLockedJob(deps, tx, job, stalledMessage(job));
        report.failed.push(job.id);
        return null;
      }
      const queued = await updateJob(tx, job.id, redispatchPatch(job, firstStageWithoutOutput(job)));
      const why = job.status === "running" ? "stopped sending heartbeats" : "did not pick the job up";
      await recordEvent(tx, queued, "progress", `The inference server ${why}; dispatching attempt ${queued.attempts}.`);
      return queued;
    });
    if (!next) continue;
    deps.log.warn("watchdog re-dispatched a stale job", {
      traceId: next.traceId,
      jobId: next.id,
      attempt: next.attempts,
    });
    await publishJob(deps, next);
    report.redispatched.push(next.id);
  }
  return report;
}

/**
 * Starts scanning every `intervalMs` (default staleAfterSec/3). Returns `stop()`, which waits for a running scan.
 * Scan errors are logged and the next tick tries again.
 */
export function startJobWatchdog(deps: JobDeps, options: WatchdogOptions): () => Promise<void> {
  const intervalMs = options.intervalMs ?? Math.max(1000, (options.staleAfterSec * 1000) / 3);
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(() => runWatchdogOnce(deps, options)).catch((error) => {
      deps.log.error("watchdog scan failed", { error });
    });
  }, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

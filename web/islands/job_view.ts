/**
 * The job page's view model, shared by the server render and the JobProgress island: what a job looks like on
 * screen, the state of each stage, and how one SSE event changes it. Pure, so it is tested without a browser.
 * Imports contract types only, so no schema library lands in the browser bundle.
 */
import type { JobStatus, JobType, StageName } from "../../inference/src/contracts/stages.ts";

/** A job as the page shows it. */
export interface JobView {
  id: string;
  songId: string;
  type: JobType;
  status: JobStatus;
  /** The stage running now, or the last one reached. */
  stage: StageName | null;
  /** Overall progress 0..1. */
  progress: number;
  error: string | null;
  /** The stages this job runs, in order. */
  stages: readonly StageName[];
  /** Stages with a recorded output (finished in this or an earlier attempt). */
  done: readonly StageName[];
}

/** How a stage row is drawn (`data-state`). */
export type StageState = "pending" | "running" | "done" | "failed";

/** The state of every stage of `job`, in order. */
export function stageStates(job: JobView): { stage: StageName; state: StageState }[] {
  const current = job.stage ? job.stages.indexOf(job.stage) : -1;
  return job.stages.map((stage, i) => {
    let state: StageState = "pending";
    if (job.status === "succeeded" || job.done.includes(stage) || (current >= 0 && i < current)) state = "done";
    else if (i === current && job.status === "running") state = "running";
    else if (i === current && job.status === "failed") state = "failed";
    return { stage, state };
  });
}

/** The SSE event names of `GET /api/v1/jobs/:id/events`. */
export const JOB_EVENTS = ["progress", "completed", "failed", "cancelled"] as const;
export type JobEventName = typeof JOB_EVENTS[number];

const STATUS_OF_EVENT: Record<JobEventName, JobStatus> = {
  progress: "running",
  completed: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
};

const PROGRESS_STATUSES: readonly JobStatus[] = ["queued", "running"];

/** True when the job can no longer change without a retry. */
export function isTerminal(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/**
 * `job` after one SSE event. `data` is the event's parsed JSON `{stage, progress, status, message}`; unknown or
 * missing fields keep their old values, so a malformed event never blanks the page.
 */
export function applyJobEvent(job: JobView, event: JobEventName, data: unknown): JobView {
  const d = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const stage = typeof d.stage === "string" && job.stages.includes(d.stage as StageName)
    ? d.stage as StageName
    : job.stage;
  const progress = typeof d.progress === "number" && d.progress >= 0 && d.progress <= 1 ? d.progress : job.progress;
  // A progress event may say "queued" (re-dispatched, no stage yet); terminal events decide by their name.
  const given = typeof d.status === "string" && PROGRESS_STATUSES.includes(d.status as JobStatus)
    ? d.status as JobStatus
    : null;
  const status = event === "progress" && given ? given : STATUS_OF_EVENT[event];
  const message = typeof d.message === "string" && d.message ? d.message : null;
  return {
    ...job,
    stage,
    status,
    progress: status === "succeeded" ? 1 : progress,
    error: status === "failed" ? message ?? "The job failed." : status === "cancelled" ? message : null,
    done: status === "succeeded" ? job.stages : job.done,
  };
}

/** A human sentence for the status (`data-status` carries the raw value). */
export function statusText(job: JobView): string {
  switch (job.status) {
    case "queued":
      return "Waiting for a free inference server…";
    case "running":
      return job.stage ? `Working: ${job.stage}` : "Working…";
    case "succeeded":
      return "Done.";
    case "failed":
      return "Failed.";
    case "cancelled":
      return "Cancelled.";
  }
}

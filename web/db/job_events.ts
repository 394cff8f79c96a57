/** Queries on `job_events`, the log of accepted job updates that the SSE stream replays. */
import type { Db } from "./db_types.ts";

/** The event names a job records; the last three are terminal. */
export type JobEventName = "progress" | "completed" | "failed" | "cancelled";

/** A `job_events` row; `id` is a bigserial, returned as a string-safe number. */
export interface JobEvent {
  id: number;
  jobId: string;
  attempt: number;
  seq: number;
  event: JobEventName;
  stage: string | null;
  progress: number | null;
  message: string | null;
  createdAt: Date;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toEvent(r: any): JobEvent {
  return {
    id: Number(r.id),
    jobId: r.job_id,
    attempt: r.attempt,
    seq: r.seq,
    event: r.event,
    stage: r.stage,
    progress: r.progress,
    message: r.message,
    createdAt: r.created_at,
  };
}

/** Fields of a new event. */
export type NewJobEvent = Omit<JobEvent, "id" | "createdAt">;

/** Appends an event. */
export async function insertJobEvent(db: Db, e: NewJobEvent): Promise<void> {
  await db`
    insert into job_events (job_id, attempt, seq, event, stage, progress, message)
    values (${e.jobId}, ${e.attempt}, ${e.seq}, ${e.event}, ${e.stage}, ${e.progress}, ${e.message})`;
}

/** Events of `jobId` with id greater than `afterId`, oldest first (at most `limit`). */
export async function listJobEvents(db: Db, jobId: string, afterId = 0, limit = 500): Promise<JobEvent[]> {
  const rows = await db`
    select * from job_events where job_id = ${jobId} and id > ${afterId} order by id limit ${limit}`;
  return rows.map(toEvent);
}

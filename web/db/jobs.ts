/** Queries on `ai_jobs`. Reads for a user are scoped to that user, so other users' ids look like missing rows. */
import type { JobStatus, JobType, StageName } from "../../inference/src/contracts/stages.ts";
import type { JobResult } from "../../inference/src/contracts/callback.ts";
import type { Db } from "./db_types.ts";

/** An `ai_jobs` row. */
export interface Job {
  id: string;
  userId: string;
  songId: string;
  type: JobType;
  status: JobStatus;
  stage: StageName | null;
  /** 0..1 */
  progress: number;
  /** Dispatches so far; the attempt number of the latest message. */
  attempts: number;
  maxAttempts: number;
  priority: number;
  resumeFrom: StageName | null;
  heartbeatAt: Date | null;
  lastSeq: number;
  lastAttempt: number;
  error: string | null;
  /** stage -> S3 key of its artifact */
  stageOutputs: Partial<Record<StageName, string>>;
  /** stage -> wall time [ms] */
  stageTimings: Partial<Record<StageName, number>>;
  result: JobResult | null;
  traceId: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toJob(r: any): Job {
  return {
    id: r.id,
    userId: r.user_id,
    songId: r.song_id,
    type: r.type,
    status: r.status,
    stage: r.stage,
    progress: r.progress,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    resumeFrom: r.resume_from,
    heartbeatAt: r.heartbeat_at,
    lastSeq: r.last_seq,
    lastAttempt: r.last_attempt,
    error: r.error,
    stageOutputs: r.stage_outputs ?? {},
    stageTimings: r.stage_timings ?? {},
    result: r.result,
    traceId: r.trace_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Fields of a new job (status queued, attempt 1: it is published right after the insert commits). */
export interface NewJob {
  userId: string;
  songId: string;
  type: JobType;
  priority: number;
  maxAttempts: number;
  traceId: string;
}

/** Inserts a queued job. */
export async function insertJob(db: Db, j: NewJob): Promise<Job> {
  const [row] = await db`
    insert into ai_jobs (user_id, song_id, type, priority, max_attempts, trace_id, attempts)
    values (${j.userId}, ${j.songId}, ${j.type}, ${j.priority}, ${j.maxAttempts}, ${j.traceId}, 1)
    returning *`;
  return toJob(row);
}

/** The job `id` if `userId` owns it, else null. */
export async function findUserJob(db: Db, userId: string, id: string): Promise<Job | null> {
  const [row] = await db`select * from ai_jobs where id = ${id} and user_id = ${userId}`;
  return row ? toJob(row) : null;
}

/** The job `id` (any owner), or null. */
export async function findJob(db: Db, id: string): Promise<Job | null> {
  const [row] = await db`select * from ai_jobs where id = ${id}`;
  return row ? toJob(row) : null;
}

/** Locks and returns the job inside a transaction (`SELECT ... FOR UPDATE`), so concurrent writers serialise. */
export async function lockJob(db: Db, id: string): Promise<Job | null> {
  const [row] = await db`select * from ai_jobs where id = ${id} for update`;
  return row ? toJob(row) : null;
}

/** A queued or running job of `type` for the song, if one exists. */
export async function findActiveJob(db: Db, songId: string, type: JobType): Promise<Job | null> {
  const [row] = await db`
    select * from ai_jobs where song_id = ${songId} and type = ${type} and status in ('queued', 'running')
    order by created_at desc limit 1`;
  return row ? toJob(row) : null;
}

/** Columns a caller may change; keys are the row's camelCase names. */
export type JobPatch = Partial<
  Pick<
    Job,
    | "status"
    | "stage"
    | "progress"
    | "attempts"
    | "maxAttempts"
    | "resumeFrom"
    | "heartbeatAt"
    | "lastSeq"
    | "lastAttempt"
    | "error"
    | "stageOutputs"
    | "stageTimings"
    | "result"
    | "startedAt"
    | "finishedAt"
  >
>;

const JSON_COLUMNS = new Set(["stage_outputs", "stage_timings", "result"]);

/** Applies `patch` to job `id` and returns the updated row. */
export async function updateJob(db: Db, id: string, patch: JobPatch): Promise<Job> {
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const column = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    // deno-lint-ignore no-explicit-any -- sql.json takes any JSON value
    set[column] = JSON_COLUMNS.has(column) && value !== null ? db.json(value as any) : value;
  }
  const [row] = await db`update ai_jobs set ${db(set)} where id = ${id} returning *`;
  return toJob(row);
}

/** Filters and page of {@link listUserJobs}. */
export interface JobListQuery {
  limit: number;
  /** Id of the last job of the previous page (keyset on created_at desc, id desc). */
  afterId?: string | null;
  status?: JobStatus;
  type?: JobType;
  songId?: string;
}

/** One page of the user's jobs, newest first; fetches `limit + 1` so the caller knows whether more follow. */
export async function listUserJobs(db: Db, userId: string, q: JobListQuery): Promise<Job[]> {
  const rows = await db`
    select * from ai_jobs where user_id = ${userId}
      ${q.status ? db`and status = ${q.status}` : db``}
      ${q.type ? db`and type = ${q.type}` : db``}
      ${q.songId ? db`and song_id = ${q.songId}` : db``}
      ${q.afterId ? db`and (created_at, id) < (select created_at, id from ai_jobs where id = ${q.afterId})` : db``}
    order by created_at desc, id desc limit ${q.limit + 1}`;
  return rows.map(toJob);
}

/** Number of queued + running jobs (the queue depth gauge). */
export async function countActiveJobs(db: Db): Promise<number> {
  const [row] = await db`select count(*)::int as n from ai_jobs where status in ('queued', 'running')`;
  return row.n;
}

/**
 * Ids of jobs that look dead: running with a heartbeat older than `staleAfterSec`, or queued and untouched that
 * long (never picked up). [seconds]
 */
export async function findStaleJobIds(db: Db, staleAfterSec: number, limit = 100): Promise<string[]> {
  const rows = await db`
    select id from ai_jobs
    where (status = 'running' and coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => ${staleAfterSec}))
       or (status = 'queued' and updated_at < now() - make_interval(secs => ${staleAfterSec}))
    order by updated_at limit ${limit}`;
  return rows.map((r) => r.id as string);
}

/** Locks job `id` only if it is still stale (see {@link findStaleJobIds}); skips rows another watchdog holds. */
export async function lockStaleJob(db: Db, id: string, staleAfterSec: number): Promise<Job | null> {
  const [row] = await db`
    select * from ai_jobs where id = ${id} and (
      (status = 'running' and coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => ${staleAfterSec}))
      or (status = 'queued' and updated_at < now() - make_interval(secs => ${staleAfterSec})))
    for update skip locked`;
  return row ? toJob(row) : null;
}

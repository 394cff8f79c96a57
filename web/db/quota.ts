/** Queries on `ai_run_ledger` (one row per counted AI run) and the user's plan. */
import type { Db } from "./db_types.ts";

/** The user's plan as stored (`users.plan`), or null when the user does not exist. */
export async function findUserPlan(db: Db, userId: string): Promise<string | null> {
  const [row] = await db`select plan from users where id = ${userId}`;
  return row ? row.plan : null;
}

/** Unrefunded runs of the user in `period` (first day of the month, `YYYY-MM-01`). */
export async function countRuns(db: Db, userId: string, period: string): Promise<number> {
  const [row] = await db`select count(*)::int as n from ai_run_ledger
    where user_id = ${userId} and period = ${period} and refunded_at is null`;
  return row.n;
}

/** Counts job `jobId` as one run of the user in `period`; a job is counted once however often this is called. */
export async function recordRun(db: Db, userId: string, jobId: string, period: string): Promise<void> {
  await db`insert into ai_run_ledger (user_id, job_id, period) values (${userId}, ${jobId}, ${period})
    on conflict (job_id) do nothing`;
}

/** Refunds the run of job `jobId` (no-op when it was never counted or is refunded already); true when refunded. */
export async function refundRun(db: Db, jobId: string, reason: string): Promise<boolean> {
  const rows = await db`update ai_run_ledger set refunded_at = now(), refund_reason = ${reason.slice(0, 500)}
    where job_id = ${jobId} and refunded_at is null returning id`;
  return rows.length > 0;
}

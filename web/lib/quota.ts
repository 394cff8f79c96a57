/**
 * AI-run quota: each generate_map job counts one run against its user's calendar month (UTC) when it is created;
 * a failure for a machine reason refunds it, a failure caused by the input does not. Plans: free and Pro
 * (`FREE_MONTHLY_AI_RUNS`, `PRO_MONTHLY_AI_RUNS`); Pro jobs also run in the faster lane (priority 8 vs 5).
 */
import { countRuns, findUserPlan, recordRun, refundRun } from "../db/quota.ts";
import type { Db } from "../db/db_types.ts";
import type { WebConfig } from "./config.ts";
import { HttpError } from "./errors.ts";

/** The plans a user can be on. */
export const PLANS = ["free", "pro"] as const;
export type Plan = typeof PLANS[number];

/** Job priority per plan (0..9, higher runs sooner): Pro gets the faster lane. */
export const PRIORITY_BY_PLAN: Record<Plan, number> = { free: 5, pro: 8 };

/** A user's quota for the current month, as `GET /api/v1/me/quota` returns it. */
export interface Quota {
  plan: Plan;
  /** Runs counted this month. */
  used: number;
  /** Runs allowed per month. */
  limit: number;
  remaining: number;
  /** Start of the next month (UTC), when `used` goes back to 0. */
  resetsAt: Date;
}

/** 402: the monthly allowance is used up. */
export class QuotaExceededError extends HttpError {
  override name = "QuotaExceededError";
  constructor(quota: Quota) {
    const resets = quota.resetsAt.toISOString().slice(0, 10);
    super(402, `You have used all ${quota.limit} AI drum-map runs of your ${quota.plan} plan this month.`, {
      hint: quota.plan === "free"
        ? `Your runs come back on ${resets}; Pro gives more runs and a faster lane. Songs with a verified map ` +
          "need no run at all: search the catalogue first."
        : `Your runs come back on ${resets}.`,
    });
  }
}

/** The month `now` falls in: its first day (`YYYY-MM-01`, the ledger's period) and the next month's start. */
export function quotaPeriod(now: Date): { period: string; resetsAt: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const period = `${year}-${String(month + 1).padStart(2, "0")}-01`;
  return { period, resetsAt: new Date(Date.UTC(year, month + 1, 1)) };
}

/** A stored plan value as a {@link Plan}; anything unknown counts as free. */
export function toPlan(value: string | null | undefined): Plan {
  return value === "pro" ? "pro" : "free";
}

/** Runs per month of `plan`. */
export function monthlyLimit(config: Pick<WebConfig, "freeMonthlyAiRuns" | "proMonthlyAiRuns">, plan: Plan): number {
  return plan === "pro" ? config.proMonthlyAiRuns : config.freeMonthlyAiRuns;
}

/** The user's quota at `now` (default: the current time). */
export async function getQuota(db: Db, config: WebConfig, userId: string, now = new Date()): Promise<Quota> {
  const plan = toPlan(await findUserPlan(db, userId));
  const { period, resetsAt } = quotaPeriod(now);
  const used = await countRuns(db, userId, period);
  const limit = monthlyLimit(config, plan);
  return { plan, used, limit, remaining: Math.max(0, limit - used), resetsAt };
}

/**
 * Checks inside the job-creating transaction that the user has a run left and returns the quota. Serialises per
 * user (advisory lock) so two concurrent requests cannot both take the last run.
 * @throws QuotaExceededError (402) when none is left.
 */
export async function reserveRun(tx: Db, config: WebConfig, userId: string, now = new Date()): Promise<Quota> {
  await tx`select pg_advisory_xact_lock(hashtext(${"quota:" + userId}))`;
  const quota = await getQuota(tx, config, userId, now);
  if (quota.remaining <= 0) throw new QuotaExceededError(quota);
  return quota;
}

/** Counts `jobId` as the run reserved by {@link reserveRun}, in the same transaction. */
export async function chargeRun(tx: Db, userId: string, jobId: string, now = new Date()): Promise<void> {
  await recordRun(tx, userId, jobId, quotaPeriod(now).period);
}

/** Why a job failed: the machine's fault is refunded, the input's is not. */
export type FailureCause = "machine" | "input";

/** Refunds the job's run when it failed for a machine reason; returns true when a run was given back. */
export async function refundIfMachineFailure(tx: Db, jobId: string, cause: FailureCause, reason: string) {
  return cause === "machine" ? await refundRun(tx, jobId, reason) : false;
}

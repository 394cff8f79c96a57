/**
 * `POST /v1/jobs`: QStash delivers a signed JobMessage; the job runs WHILE the request is held (docs/CONTRACTS.md
 * "Jobs and callbacks" 2), so a killed process drops the connection and QStash redelivers. Status codes tell QStash
 * what to do: 2xx = done (or not worth retrying), 429/5xx = deliver again later.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { type JobMessage, jobMessageSchema } from "../contracts/job_message.ts";
import type { CallbackClient } from "../callback_client.ts";
import type { Semaphore } from "../concurrency.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { QstashSignatureVariables } from "../middleware/qstash_signature.ts";
import { runJob, type RunJobDeps, type RunOutcome } from "../runner.ts";

/** [seconds] QStash is asked to wait before redelivering when this process is full or draining. */
export const RETRY_AFTER_SEC = 30;

export interface JobRoutesOptions {
  /** The QStash signature middleware (sets `rawBody`). */
  verify: MiddlewareHandler<{ Variables: QstashSignatureVariables }>;
  semaphore: Semaphore;
  stages: RunJobDeps["stages"];
  store: RunJobDeps["store"];
  callbacks: CallbackClient;
  log: Logger;
  metrics: Metrics;
  /** [seconds] between heartbeats. */
  heartbeatIntervalSec: number;
  /** [ms] added to every stage (INFERENCE_STAGE_DELAY_MS, tests only). */
  stageDelayMs?: number;
  /** Aborted when the grace period after SIGTERM is over: running jobs stop. */
  shutdownSignal?: AbortSignal;
  /** True once SIGTERM arrived: new jobs are refused with 503 so QStash sends them elsewhere or later. */
  isDraining?: () => boolean;
}

/** Parses the verified raw body; a readable 400 message when it is not a JobMessage. */
function parseMessage(
  raw: string,
): { ok: true; job: JobMessage } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: "The body is not JSON." };
  }
  const parsed = jobMessageSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: `Invalid job message:\n${z.prettifyError(parsed.error)}`,
    };
  }
  return { ok: true, job: parsed.data };
}

/**
 * `seq` numbers reserved per QStash delivery. A redelivery after a crash carries the same `attempt`, and web drops
 * progress whose (attempt, seq) is not newer than what it stored, so delivery n starts at n * SEQ_BLOCK
 * (`Upstash-Retried` = n). 100000 callbacks is days of heartbeats; ~21000 deliveries still fit web's int4 column.
 */
export const SEQ_BLOCK = 100_000;
const MAX_SEQ = 2 ** 31 - 1;

/** The first `seq` of this delivery, from QStash's `Upstash-Retried` header (0 when absent or malformed). */
export function firstSeqFor(retriedHeader: string | undefined): number {
  const retried = Number(retriedHeader ?? 0);
  if (!Number.isInteger(retried) || retried < 0) return 0;
  return Math.min(retried * SEQ_BLOCK, MAX_SEQ - SEQ_BLOCK);
}

/** The job sub-app, mounted at `/v1`. */
export function jobRoutes(options: JobRoutesOptions) {
  const running = new Set<string>();
  const app = new Hono<{ Variables: QstashSignatureVariables }>();
  app.post("/jobs", options.verify, async (c) => {
    const parsed = parseMessage(c.var.rawBody);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    const { job } = parsed;
    const log = options.log.child({
      traceId: job.traceId,
      jobId: job.jobId,
      attempt: job.attempt,
    });
    if (running.has(job.jobId)) {
      log.info("job already running here; duplicate delivery acknowledged");
      return c.json({ duplicate: true }, 200);
    }
    if (options.isDraining?.()) {
      c.header("Retry-After", String(RETRY_AFTER_SEC));
      return c.json({
        error: "This inference server is shutting down; retry later.",
      }, 503);
    }
    const release = options.semaphore.tryAcquire();
    if (!release) {
      log.info("at the concurrency limit; asking QStash to retry", {
        limit: options.semaphore.limit,
      });
      c.header("Retry-After", String(RETRY_AFTER_SEC));
      return c.json({
        error: `Busy: ${options.semaphore.limit} jobs are running; retry later.`,
      }, 429);
    }
    running.add(job.jobId);
    options.metrics.jobsInFlight.inc();
    log.info("job started", {
      type: job.type,
      resumeFrom: job.resumeFrom ?? null,
    });
    try {
      const outcome = await runJob(job, {
        stages: options.stages,
        store: options.store,
        callbacks: options.callbacks.forJob(
          job.callbackUrl,
          job.traceId,
          firstSeqFor(c.req.header("upstash-retried")),
        ),
        log,
        signal: options.shutdownSignal,
        metrics: options.metrics,
        heartbeatIntervalSec: options.heartbeatIntervalSec,
        stageDelayMs: options.stageDelayMs,
      });
      const [status, body] = answer(outcome);
      if (status !== 200) c.header("Retry-After", String(RETRY_AFTER_SEC));
      return c.json(body, status);
    } finally {
      running.delete(job.jobId);
      options.metrics.jobsInFlight.dec();
      release();
    }
  });
  return app;
}

/** Maps a run's outcome to what QStash should do. */
function answer(
  outcome: RunOutcome,
): [200 | 500 | 503, Record<string, unknown>] {
  switch (outcome.status) {
    case "succeeded":
      // Web never heard the result: a redelivery reuses every stored output and only re-sends it.
      if (!outcome.callbackDelivered) {
        return [500, { error: "The result callback could not be delivered." }];
      }
      return [200, { ok: true, result: outcome.result }];
    case "failed":
      if (outcome.retryable || !outcome.callbackDelivered) {
        return [500, { error: outcome.error }];
      }
      // Bad input was reported to web; QStash must not retry it.
      return [200, { ok: false, error: outcome.error, retryable: false }];
    case "cancelled":
      if (outcome.by === "shutdown") {
        return [503, {
          error: "The server shut down during the job; retry later.",
        }];
      }
      return [200, { ok: false, cancelled: true, stage: outcome.stage }];
  }
}

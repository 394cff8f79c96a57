/**
 * Runs one job message through its stages (docs/CONTRACTS.md "Jobs and callbacks").
 *
 * Which stages run: the job type's stages in order. A stage is reused (skipped) when its output is already in the
 * store AND it comes before `resumeFrom`; when `resumeFrom` is absent every stage counts as "before" it. That
 * second rule is what makes a crash cheap: QStash redelivers the same message without `resumeFrom`, and because
 * stages are deterministic an output that exists is exactly what a re-run would write. A stage at or after
 * `resumeFrom` always runs, and once one stage has run every later stage runs too (its input was just rewritten).
 */
import { type JobResult, jobResultSchema } from "./contracts/callback.ts";
import { bsmSchema } from "./contracts/bsm.ts";
import type { JobMessage } from "./contracts/job_message.ts";
import { type StageName, STAGES_BY_JOB_TYPE, stagesToRun } from "./contracts/stages.ts";
import type { CallbackInput, JobCallbacks } from "./callback_client.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { type ArtifactStore, BadInputError, type Stage } from "./pipeline/types.ts";

/** What the runner needs; all of it is passed in so tests use real small stages and stores. */
export interface RunJobDeps {
  /** Stage implementations by name; the job type's stages must all be present. */
  stages: Partial<Record<StageName, Stage>>;
  store: ArtifactStore;
  /** The sender for this attempt (CallbackClient.forJob). */
  callbacks: JobCallbacks;
  log: Logger;
  /** Aborts the job (server shutdown). */
  signal?: AbortSignal;
  metrics?: Metrics;
  /** [seconds] between heartbeats while a stage runs. Default 5. */
  heartbeatIntervalSec?: number;
  /** [ms] every stage is held this long before it runs (INFERENCE_STAGE_DELAY_MS, tests only). Default 0. */
  stageDelayMs?: number;
}

/** How a run ended. `callbackDelivered` false means web never heard the final event (worth a redelivery). */
export type RunOutcome =
  | { status: "succeeded"; result: JobResult; callbackDelivered: boolean }
  | {
    status: "failed";
    error: string;
    retryable: boolean;
    callbackDelivered: boolean;
  }
  | { status: "cancelled"; stage: StageName; by: "web" | "shutdown" };

/** Web said stop (continue:false) or the server is shutting down. */
class CancelledError extends Error {
  constructor(readonly by: "web" | "shutdown") {
    super(
      by === "web" ? "web asked to stop (continue:false)" : "the server is shutting down",
    );
  }
}

interface RunState {
  job: JobMessage;
  deps: RunJobDeps;
  outputs: Partial<Record<StageName, string>>;
  timings: Partial<Record<StageName, number>>;
  stage: StageName;
  progress: number;
  cancel: AbortController;
}

/** Runs `job` to the end, reporting progress/completed/failed through `deps.callbacks`. Never throws. */
export async function runJob(
  job: JobMessage,
  deps: RunJobDeps,
): Promise<RunOutcome> {
  const all = STAGES_BY_JOB_TYPE[job.type];
  const cancel = new AbortController();
  const onAbort = () => cancel.abort(new CancelledError("shutdown"));
  deps.signal?.addEventListener("abort", onAbort, { once: true });
  if (deps.signal?.aborted) onAbort();
  const state: RunState = {
    job,
    deps,
    outputs: {},
    timings: {},
    stage: all[0],
    progress: 0,
    cancel,
  };
  try {
    const mustRun = new Set(stagesToRun(job.type, job.resumeFrom));
    let rerunRest = false;
    for (const [index, name] of all.entries()) {
      state.stage = name;
      state.progress = index / all.length;
      const stage = requireStage(deps.stages, name);
      if (
        !rerunRest && !(job.resumeFrom && mustRun.has(name)) &&
        await reusable(state, stage)
      ) continue;
      rerunRest = true;
      await runStage(state, stage);
    }
    const result = await readResult(state);
    const sent = await report(state, {
      event: "completed",
      result,
      progress: 1,
    });
    deps.log.info("job succeeded", { result });
    return { status: "succeeded", result, callbackDelivered: sent.delivered };
  } catch (err) {
    return await fail(state, err);
  } finally {
    deps.signal?.removeEventListener("abort", onAbort);
  }
}

function requireStage(stages: RunJobDeps["stages"], name: StageName): Stage {
  const stage = stages[name];
  if (!stage) {
    throw new Error(
      `This server has no "${name}" stage; it cannot run this job type.`,
    );
  }
  return stage;
}

/** Reuses a stage's output when it exists; records its key. */
async function reusable(state: RunState, stage: Stage): Promise<boolean> {
  const key = state.job.stageOutputs[stage.name] ?? stage.outputKey(state.job);
  if (!(await state.deps.store.exists(key))) return false;
  state.outputs[stage.name] = key;
  state.deps.log.info("stage reused", { stage: stage.name, key });
  return true;
}

async function runStage(state: RunState, stage: Stage): Promise<void> {
  const { deps, job } = state;
  await checkpoint(state, await report(state, { event: "progress" }));
  const log = deps.log.child({ stage: stage.name });
  const heartbeat = startHeartbeat(state);
  const started = performance.now();
  try {
    if (deps.stageDelayMs) await abortableSleep(deps.stageDelayMs, state.cancel.signal);
    await stage.run({
      job,
      store: deps.store,
      outputs: state.outputs,
      signal: state.cancel.signal,
      log,
    });
  } catch (err) {
    if (!state.cancel.signal.aborted) {
      deps.metrics?.failures.inc({ stage: stage.name });
    }
    throw err;
  } finally {
    await heartbeat.stop();
  }
  const ms = performance.now() - started;
  state.timings[stage.name] = Math.round(ms);
  state.outputs[stage.name] = stage.outputKey(job);
  deps.metrics?.stageDuration.observe({ stage: stage.name }, ms / 1000);
  log.info("stage done", { ms: Math.round(ms) });
  // A cancel that arrived by heartbeat while the stage ran stops the job before the next stage.
  if (state.cancel.signal.aborted) throw state.cancel.signal.reason;
}

/** Sends a progress heartbeat every interval; a `continue:false` reply aborts the running stage. */
function startHeartbeat(state: RunState): { stop(): Promise<void> } {
  const ms = (state.deps.heartbeatIntervalSec ?? 5) * 1000;
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = report(state, { event: "progress" }).then((reply) => {
      if (!reply.continue) state.cancel.abort(new CancelledError("web"));
    });
  }, ms);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

function checkpoint(state: RunState, reply: { continue: boolean }): void {
  if (!reply.continue) state.cancel.abort(new CancelledError("web"));
  if (state.cancel.signal.aborted) throw state.cancel.signal.reason;
}

type ReportInput =
  | { event: "progress"; progress?: number }
  | { event: "completed"; result: JobResult; progress: number }
  | { event: "failed"; error: string; retryable: boolean };

function report(state: RunState, input: ReportInput) {
  const { job } = state;
  const callback = {
    jobId: job.jobId,
    attempt: job.attempt,
    traceId: job.traceId,
    stage: state.stage,
    progress: state.progress,
    stageOutputs: { ...state.outputs },
    stageTimingsMs: { ...state.timings },
    ...input,
  } as CallbackInput;
  return state.deps.callbacks.send(callback);
}

/** The final result, read from the artifacts of the job's last stage. */
async function readResult(state: RunState): Promise<JobResult> {
  const { job, deps, outputs } = state;
  if (job.type === "fingerprint") {
    const doc = JSON.parse(
      new TextDecoder().decode(await deps.store.get(outputs.fingerprint!)),
    );
    return jobResultSchema.parse({
      kind: "fingerprint",
      fingerprintHash: doc.fingerprintHash,
      durationSec: doc.durationSec,
    });
  }
  const mapKey = outputs.package!;
  const map = bsmSchema.parse(
    JSON.parse(new TextDecoder().decode(await deps.store.get(mapKey))),
  );
  return jobResultSchema.parse({
    kind: "map",
    mapKey,
    durationSec: map.durationSec,
    bpm: map.tempo.bpm,
    noteCount: map.notes.length,
    modelVersion: modelVersionOf(map),
  });
}

/**
 * The package stage records the model as `generator: { model, version }` ("name@version" here, so two models with
 * the same version number stay apart); a plain `modelVersion` string is accepted too.
 */
function modelVersionOf(map: Record<string, unknown>): string {
  const generator = map.generator as
    | { model?: unknown; version?: unknown }
    | undefined;
  if (
    typeof generator?.model === "string" &&
    typeof generator.version === "string"
  ) {
    return `${generator.model}@${generator.version}`;
  }
  return typeof map.modelVersion === "string" && map.modelVersion ? map.modelVersion : "unknown";
}

async function fail(state: RunState, err: unknown): Promise<RunOutcome> {
  const { deps } = state;
  // A stage that noticed the abort may throw its own error; the abort reason is what happened.
  const reason = state.cancel.signal.aborted ? state.cancel.signal.reason : err;
  if (reason instanceof CancelledError) {
    deps.log.info("job cancelled", {
      stage: state.stage,
      reason: reason.message,
    });
    return { status: "cancelled", stage: state.stage, by: reason.by };
  }
  const retryable = !(err instanceof BadInputError);
  const error = readable(err, state.stage);
  deps.log[retryable ? "error" : "warn"]("job failed", {
    stage: state.stage,
    retryable,
    error: err,
  });
  const sent = await report(state, { event: "failed", error, retryable });
  return {
    status: "failed",
    error,
    retryable,
    callbackDelivered: sent.delivered,
  };
}

function readable(err: unknown, stage: StageName): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${stage}: ${message || "unknown error"}`.slice(0, 2000);
}

/** Waits `ms`, or rejects with the abort reason as soon as `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

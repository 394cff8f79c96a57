/**
 * The stage interface of the inference pipeline (madmom's Processor idea: a stage is `run(context)` with no hidden
 * global state; the runner calls the stages of a job type in order).
 */
import type { JobMessage } from "../contracts/job_message.ts";
import type { StageName } from "../contracts/stages.ts";

/** Where stage artifacts live (S3 in production and tests, a folder or memory for the CLI). */
export interface ArtifactStore {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  exists(key: string): Promise<boolean>;
}

/** Frame-wise model output: row-major `frames x labels`, `fps` frames per second. */
export interface Activations {
  data: Float32Array;
  frames: number;
  /** [frames per second] */
  fps: number;
  labels: readonly string[];
}

/** Minimal structured logger; every line carries the job's trace id. */
export interface StageLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface StageContext {
  job: JobMessage;
  store: ArtifactStore;
  /** Artifact keys of the stages already done (recorded by earlier attempts or this run): stage -> key. */
  outputs: Partial<Record<StageName, string>>;
  /** Aborted when the job is cancelled or the server shuts down; long stages check it. */
  signal: AbortSignal;
  log: StageLogger;
}

export interface Stage {
  name: StageName;
  /** The key this stage writes for `job`. Deterministic, so a re-run overwrites with the same bytes. */
  outputKey(job: JobMessage): string;
  /** Reads its inputs through `ctx.outputs`/`ctx.store`, writes `outputKey(ctx.job)`. */
  run(ctx: StageContext): Promise<void>;
}

/** A stage failed because of its input (not the machine): retrying cannot help. */
export class BadInputError extends Error {
  override name = "BadInputError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

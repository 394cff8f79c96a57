/**
 * The inference server's configuration, read once from the environment and validated with zod
 * (docs/CONTRACTS.md "Ports and env"). A missing or malformed secret stops the process with a readable message.
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseSigningKeys, type SigningKey } from "./contracts/callback.ts";

/** Where the shipped models live when `MODEL_DIR` is unset: `inference/models`. */
export const DEFAULT_MODEL_DIR = fileURLToPath(
  new URL("../models", import.meta.url),
);

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const required = (name: string, hint: string) =>
  z.string({ error: `${name} is not set: ${hint}` }).trim().min(
    1,
    `${name} is empty: ${hint}`,
  );

const envSchema = z.object({
  INFERENCE_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  INFERENCE_PUBLIC_URL: z.string().url().optional(),
  INFERENCE_URL: z.string().url().optional(),
  QSTASH_CURRENT_SIGNING_KEY: required(
    "QSTASH_CURRENT_SIGNING_KEY",
    "copy it from the QStash console (or devstack)",
  ),
  QSTASH_NEXT_SIGNING_KEY: required(
    "QSTASH_NEXT_SIGNING_KEY",
    "copy it from the QStash console (or devstack)",
  ),
  CALLBACK_SIGNING_KEYS: required(
    "CALLBACK_SIGNING_KEYS",
    "set it to id:secret[,id:secret...] (same as web)",
  ),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z.string().min(1).default("beatsight"),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  INFERENCE_CONCURRENCY: z.coerce.number().int().positive().default(2),
  HEARTBEAT_INTERVAL_SEC: z.coerce.number().positive().default(5),
  INFERENCE_STAGE_DELAY_MS: z.coerce.number().int().nonnegative().default(0),
  INFERENCE_PIPELINE: z.enum(["full", "noop"]).default("full"),
  SHUTDOWN_GRACE_SEC: z.coerce.number().nonnegative().default(60),
  MODEL_DIR: z.string().min(1).default(DEFAULT_MODEL_DIR),
  ONNX_EP: z.enum(["cpu", "cuda"]).default("cpu"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
});

/** Validated configuration. Times are in seconds, as their names say. */
export interface InferenceEnv {
  port: number;
  /** Base URL QStash delivers to; the signature's `sub` must be this plus the request path. */
  publicUrl: string;
  qstash: { currentSigningKey: string; nextSigningKey: string };
  /** The first key signs callbacks. */
  callbackKeys: SigningKey[];
  s3: {
    endpoint?: string;
    region: string;
    bucket: string;
    accessKeyId?: string;
    secretAccessKey?: string;
  };
  concurrency: number;
  /** [seconds] between progress heartbeats while a stage runs. */
  heartbeatIntervalSec: number;
  /**
   * [ms] extra wall time every stage takes (reliability tests kill the process mid-job with it). 0 in production.
   */
  stageDelayMs: number;
  /** "noop" swaps every stage for one that does no audio work (spine benchmark). "full" in production. */
  pipeline: "full" | "noop";
  /** [seconds] SIGTERM waits this long for running jobs before exiting. */
  shutdownGraceSec: number;
  modelDir: string;
  executionProvider: "cpu" | "cuda";
  logLevel: LogLevel;
}

/** Configuration is wrong; `message` lists every problem, one per line. */
export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * Reads and validates the environment. `INFERENCE_PUBLIC_URL` falls back to `INFERENCE_URL` (CONTRACTS.md), then to
 * `http://127.0.0.1:$INFERENCE_PORT`. Throws `EnvError` naming every missing or malformed variable.
 */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
): InferenceEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join(".") || "env"}: ${i.message}`);
    throw new EnvError(`Invalid inference configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  let callbackKeys: SigningKey[];
  try {
    callbackKeys = parseSigningKeys(e.CALLBACK_SIGNING_KEYS);
  } catch (err) {
    throw new EnvError(
      `Invalid inference configuration:\n- ${(err as Error).message}`,
    );
  }
  return {
    port: e.INFERENCE_PORT,
    publicUrl: (e.INFERENCE_PUBLIC_URL ?? e.INFERENCE_URL ??
      `http://127.0.0.1:${e.INFERENCE_PORT}`).replace(/\/+$/, ""),
    qstash: {
      currentSigningKey: e.QSTASH_CURRENT_SIGNING_KEY,
      nextSigningKey: e.QSTASH_NEXT_SIGNING_KEY,
    },
    callbackKeys,
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
    },
    concurrency: e.INFERENCE_CONCURRENCY,
    heartbeatIntervalSec: e.HEARTBEAT_INTERVAL_SEC,
    stageDelayMs: e.INFERENCE_STAGE_DELAY_MS,
    pipeline: e.INFERENCE_PIPELINE,
    shutdownGraceSec: e.SHUTDOWN_GRACE_SEC,
    modelDir: e.MODEL_DIR,
    executionProvider: e.ONNX_EP,
    logLevel: e.LOG_LEVEL,
  };
}

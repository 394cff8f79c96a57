/**
 * Web configuration from the environment (names and defaults: docs/CONTRACTS.md "Ports and env"). Secrets have no
 * defaults: a missing one fails with a message naming every missing variable.
 */
import { z } from "zod";
import { parseSigningKeys, type SigningKey } from "../../inference/src/contracts/callback.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";

/** Default upload limit [bytes] (100 MiB). */
export const DEFAULT_MAX_UPLOAD_BYTES = 104_857_600;

/** Everything the web process reads from env, validated and typed. */
export interface WebConfig {
  port: number;
  /** Base URL the outside world (QStash, inference) uses to reach this process. */
  publicUrl: string;
  inferenceUrl: string;
  /** Postgres URL; when unset in env, the PGlite socket of the dev stack (pool max 1). */
  databaseUrl: string;
  dbPoolMax: number;
  redisRestUrl: string;
  redisRestToken: string;
  qstashUrl: string;
  qstashToken: string;
  qstashCurrentSigningKey: string;
  qstashNextSigningKey: string;
  /** Custom S3 endpoint (s3rver, Tigris); path-style addressing is used when set. */
  s3Endpoint?: string;
  s3Region: string;
  s3Bucket: string;
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
  callbackSigningKeys: SigningKey[];
  sessionSecret: string;
  /** [bytes] */
  maxUploadBytes: number;
  /** [seconds] heartbeat age after which a job counts as dead. */
  jobStaleAfterSec: number;
  jobMaxAttempts: number;
  /** Job creations allowed per user per minute. */
  jobRateLimitPerMinute: number;
  /** [seconds] anonymous song and map pages are reused this long (0 turns the micro-cache off). */
  pageCacheTtlSec: number;
  /** generate_map runs per calendar month (UTC) on the free plan (web/lib/quota.ts). */
  freeMonthlyAiRuns: number;
  /** generate_map runs per calendar month (UTC) on the Pro plan. */
  proMonthlyAiRuns: number;
  logLevel: LogLevel;
  clamdHost?: string;
  clamdPort: number;
  /** Outgoing mail server, e.g. `smtp://user:pass@host:587` (devstack/smtp_sink.ts locally). */
  smtpUrl: string;
  /** Sender of account mail, e.g. `BeatSight <no-reply@example.com>`. */
  mailFrom: string;
  /** Sign-in attempts allowed per email and IP address per 15 minutes. */
  signinAttemptsPer15Min: number;
  /** Emails (lower case) that get the admin scope once verified: how the first admin is made. */
  adminEmails: string[];
  /** OpenID Connect provider for "Sign in with ..."; absent when OIDC_ISSUER is unset. */
  oidc?: { issuer: string; clientId: string; clientSecret: string; name: string };
}

/** A configuration problem a person can fix by setting env variables. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const optionalText = z.string().trim().min(1).optional().catch(undefined);
const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  PORT: int(8000),
  PUBLIC_URL: z.string().url().optional(),
  INFERENCE_URL: z.string().url().default("http://127.0.0.1:8787"),
  DATABASE_URL: optionalText,
  DB_POOL_MAX: int(10),
  UPSTASH_REDIS_REST_URL: z.string().url().default("http://127.0.0.1:8079"),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  QSTASH_URL: z.string().url().default("http://127.0.0.1:8080"),
  QSTASH_TOKEN: z.string().min(1),
  QSTASH_CURRENT_SIGNING_KEY: z.string().min(1),
  QSTASH_NEXT_SIGNING_KEY: z.string().min(1),
  S3_ENDPOINT: optionalText,
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z.string().min(1).default("beatsight"),
  AWS_ACCESS_KEY_ID: optionalText,
  AWS_SECRET_ACCESS_KEY: optionalText,
  CALLBACK_SIGNING_KEYS: z.string().min(1),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters"),
  MAX_UPLOAD_BYTES: int(DEFAULT_MAX_UPLOAD_BYTES),
  JOB_STALE_AFTER_SEC: int(60),
  JOB_MAX_ATTEMPTS: int(3),
  JOB_RATE_LIMIT_PER_MINUTE: int(20),
  PAGE_CACHE_TTL_SEC: z.coerce.number().int().nonnegative().default(5),
  FREE_MONTHLY_AI_RUNS: int(5),
  PRO_MONTHLY_AI_RUNS: int(100),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  CLAMD_HOST: optionalText,
  CLAMD_PORT: int(3310),
  SMTP_URL: z.string().url().default("smtp://127.0.0.1:2525"),
  MAIL_FROM: z.string().min(3).default("BeatSight <no-reply@beatsight.local>"),
  SIGNIN_ATTEMPTS_PER_15_MIN: int(10),
  ADMIN_EMAILS: z.string().default(""),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  OIDC_NAME: z.string().min(1).default("single sign-on"),
});

/**
 * Reads and validates the configuration. Throws {@link ConfigError} listing every missing or malformed variable.
 * @param env e.g. `Deno.env.toObject()`; empty strings count as unset.
 */
export function loadConfig(env: Record<string, string | undefined>): WebConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return cleaned[name] === undefined ? `  ${name} is not set` : `  ${name}: ${i.message}`;
    });
    throw new ConfigError(`The web server cannot start; fix these environment variables:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (e.OIDC_ISSUER && (!e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET)) {
    throw new ConfigError(
      "The web server cannot start: OIDC_ISSUER is set, so set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.",
    );
  }
  let callbackSigningKeys: SigningKey[];
  try {
    callbackSigningKeys = parseSigningKeys(e.CALLBACK_SIGNING_KEYS);
  } catch (error) {
    throw new ConfigError(`The web server cannot start: ${(error as Error).message}`);
  }
  return {
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ""),
    inferenceUrl: e.INFERENCE_URL.replace(/\/+$/, ""),
    databaseUrl: e.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5433/postgres",
    // PGlite-socket serves one connection at a time, so the pool must not exceed it.
    dbPoolMax: e.DATABASE_URL ? e.DB_POOL_MAX : 1,
    redisRestUrl: e.UPSTASH_REDIS_REST_URL,
    redisRestToken: e.UPSTASH_REDIS_REST_TOKEN,
    qstashUrl: e.QSTASH_URL,
    qstashToken: e.QSTASH_TOKEN,
    qstashCurrentSigningKey: e.QSTASH_CURRENT_SIGNING_KEY,
    qstashNextSigningKey: e.QSTASH_NEXT_SIGNING_KEY,
    s3Endpoint: e.S3_ENDPOINT,
    s3Region: e.S3_REGION,
    s3Bucket: e.S3_BUCKET,
    awsAccessKeyId: e.AWS_ACCESS_KEY_ID,
    awsSecretAccessKey: e.AWS_SECRET_ACCESS_KEY,
    callbackSigningKeys,
    sessionSecret: e.SESSION_SECRET,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    jobStaleAfterSec: e.JOB_STALE_AFTER_SEC,
    jobMaxAttempts: e.JOB_MAX_ATTEMPTS,
    jobRateLimitPerMinute: e.JOB_RATE_LIMIT_PER_MINUTE,
    pageCacheTtlSec: e.PAGE_CACHE_TTL_SEC,
    freeMonthlyAiRuns: e.FREE_MONTHLY_AI_RUNS,
    proMonthlyAiRuns: e.PRO_MONTHLY_AI_RUNS,
    logLevel: e.LOG_LEVEL,
    clamdHost: e.CLAMD_HOST,
    clamdPort: e.CLAMD_PORT,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    signinAttemptsPer15Min: e.SIGNIN_ATTEMPTS_PER_15_MIN,
    adminEmails: e.ADMIN_EMAILS.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean),
    oidc: e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
      ? {
        issuer: e.OIDC_ISSUER.replace(/\/+$/, ""),
        clientId: e.OIDC_CLIENT_ID,
        clientSecret: e.OIDC_CLIENT_SECRET,
        name: e.OIDC_NAME,
      }
      : undefined,
  };
}

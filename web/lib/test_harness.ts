/**
 * Test-only: a web app over the real stand-ins (fresh Postgres database, Redis through the Upstash bridge,
 * s3rver, the QStash dispatcher) plus a tiny "inference" server that records what QStash delivers. The app is
 * also served over HTTP so QStash failure callbacks reach it. Call `close()` in a `finally`.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Client, Receiver } from "@upstash/qstash";
import { Redis } from "@upstash/redis";
import type { Hono } from "hono";
import { type Callback, signCallback, type SigningKey } from "../../inference/src/contracts/callback.ts";
import { type JobMessage, jobMessageSchema } from "../../inference/src/contracts/job_message.ts";
import { startQStashDispatcher } from "../../devstack/qstash_dispatcher.ts";
import { startS3 } from "../../devstack/s3.ts";
import { type SmtpSink, startSmtpSink } from "../../devstack/smtp_sink.ts";
import { startRedisBridge } from "../../devstack/upstash_redis_bridge.ts";
import { createApp } from "../app.ts";
import { JobEventBus } from "./job_event_bus.ts";
import { PageCache } from "./page_cache.ts";
import { StoredMapCache } from "./stored_maps.ts";
import { createTestDatabase } from "../db/test_db.ts";
import { countActiveJobs } from "../db/jobs.ts";
import type { AppDeps, AppEnv } from "./app_env.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { createS3Client } from "./storage.ts";

/** A delivery the fake inference server received. */
export interface Delivery {
  message: JobMessage;
  headers: Headers;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  /** HTTP status the fake inference server answers (default 200). */
  inferenceStatus?: number;
  /** Extra env for loadConfig. */
  env?: Record<string, string>;
  /** The pages sub-app, when a test reads pages too. */
  pages?: Hono<AppEnv>;
}

/** A running test stack. */
export interface Harness {
  app: Hono<AppEnv>;
  deps: AppDeps;
  deliveries: Delivery[];
  signingKey: SigningKey;
  /** The SMTP sink the app's mail goes to (SMTP_URL). */
  mail: SmtpSink;
  /** Set what the fake inference answers from now on. */
  setInferenceStatus(status: number): void;
  /** Waits until `count` deliveries arrived (default timeout 5 s). */
  waitForDeliveries(count: number, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

const SECRET = "test-session-secret-0123456789abcdef";

/** Starts the stack; every harness has its own database, S3 directory and ports. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const token = crypto.randomUUID();
  const signingKeys = { current: "sig_current_" + crypto.randomUUID(), next: "sig_next_" + crypto.randomUUID() };
  const bridge = await startRedisBridge({ redisUrl: "redis://127.0.0.1:6379/0", token });
  cleanups.push(() => bridge.close());
  const dir = await Deno.makeTempDir({ prefix: "bs-s3-" });
  const s3 = await startS3({ directory: dir, bucket: "beatsight" });
  cleanups.push(async () => {
    await s3.close();
    await Deno.remove(dir, { recursive: true });
  });
  const qstash = await startQStashDispatcher({
    token,
    currentSigningKey: signingKeys.current,
    nextSigningKey: signingKeys.next,
    retryBaseMs: 20,
    retryMaxMs: 50,
  });
  cleanups.push(() => qstash.close());
  const mail = await startSmtpSink();
  cleanups.push(() => mail.close());

  const deliveries: Delivery[] = [];
  let inferenceStatus = options.inferenceStatus ?? 200;
  const inference = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const message = jobMessageSchema.parse(await req.json());
    deliveries.push({ message, headers: req.headers });
    return new Response(inferenceStatus === 200 ? "{}" : "model exploded", { status: inferenceStatus });
  });
  cleanups.push(() => inference.shutdown());

  // The web server starts before the app exists (its URL goes into the config), so it looks the app up per request.
  const holder: { app?: Hono<AppEnv> } = {};
  const web = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => holder.app!.fetch(req));
  cleanups.push(() => web.shutdown());

  const signingKey = { id: "k1", secret: "callback-secret-" + crypto.randomUUID() };
  const config = loadConfig({
    PUBLIC_URL: `http://127.0.0.1:${web.addr.port}`,
    INFERENCE_URL: `http://127.0.0.1:${inference.addr.port}`,
    DATABASE_URL: db.url,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    QSTASH_URL: qstash.url,
    QSTASH_TOKEN: token,
    QSTASH_CURRENT_SIGNING_KEY: signingKeys.current,
    QSTASH_NEXT_SIGNING_KEY: signingKeys.next,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    CALLBACK_SIGNING_KEYS: `${signingKey.id}:${signingKey.secret}`,
    SESSION_SECRET: SECRET,
    JOB_RATE_LIMIT_PER_MINUTE: "1000",
    // Tests read pages right after changing data; the micro-cache test turns it on itself.
    PAGE_CACHE_TTL_SEC: "0",
    // Tests create many AI jobs per user; the quota tests set their own small limits.
    FREE_MONTHLY_AI_RUNS: "1000",
    LOG_LEVEL: "error",
    SMTP_URL: mail.smtpUrl,
    ...options.env,
  });
  const deps: AppDeps = {
    config,
    sql: db.sql,
    redis: new Redis({ url: bridge.url, token, enableTelemetry: false }),
    qstash: new Client({ baseUrl: qstash.url, token, enableTelemetry: false }),
    receiver: new Receiver({ currentSigningKey: signingKeys.current, nextSigningKey: signingKeys.next }),
    s3: createS3Client(config),
    log: createLogger({ level: "error", sink: () => {} }),
    metrics: createMetrics({ queueDepth: () => countActiveJobs(db.sql) }),
    jobEvents: new JobEventBus(),
    maps: new StoredMapCache(),
    pageCache: new PageCache(config.pageCacheTtlSec * 1000),
  };
  const app = createApp(deps, { pages: options.pages });
  holder.app = app;
  const waitForDeliveries = async (count: number, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (deliveries.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${deliveries.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return deliveries;
  };
  return {
    app,
    deps,
    deliveries,
    signingKey,
    mail,
    setInferenceStatus: (status) => (inferenceStatus = status),
    waitForDeliveries,
    async close() {
      deps.s3.destroy();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    },
  };
}

/** Creates a guest session; returns its token and headers that carry it. */
export async function guest(app: Hono<AppEnv>): Promise<{ userId: string; headers: Record<string, string> }> {
  const res = await app.request("/api/v1/sessions/guest", { method: "POST" });
  const body = await res.json();
  return {
    userId: body.user.id,
    headers: { authorization: `Bearer ${body.token}`, "content-type": "application/json" },
  };
}

/** A JSON request init. */
export function json(method: string, headers: Record<string, string>, body?: unknown): RequestInit {
  return { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

/** Stores `bytes` at `key` in the harness bucket. */
export async function putObject(h: Harness, key: string, bytes: Uint8Array, contentType = "audio/wav") {
  await h.deps.s3.send(
    new PutObjectCommand({ Bucket: h.deps.config.s3Bucket, Key: key, Body: bytes, ContentType: contentType }),
  );
}

/** A minimal valid WAV header followed by `extra` bytes of silence. */
export function wavBytes(extra = 64): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(44 + extra);
  bytes.set(new TextEncoder().encode("RIFF"), 0);
  bytes.set(new TextEncoder().encode("WAVEfmt "), 8);
  return bytes;
}

/** Inserts a ready song with an uploaded WAV for `userId` straight into the database; returns its id. */
export async function seedReadySong(h: Harness, userId: string): Promise<string> {
  const key = `uploads/${userId}/${crypto.randomUUID()}/song.wav`;
  await putObject(h, key, wavBytes());
  const [upload] = await h.deps.sql`insert into uploads (user_id, s3_key, filename, content_type, size_bytes, status)
    values (${userId}, ${key}, 'song.wav', 'audio/wav', 108, 'uploaded') returning id`;
  const [song] = await h.deps.sql`insert into songs (owner_id, upload_id, title, status)
    values (${userId}, ${upload.id}, 'Song', 'ready') returning id`;
  return song.id;
}

/** Signs `cb` with the harness key and posts it to the callback route. */
export function postCallback(h: Harness, cb: Callback, nowSec?: number, key = h.signingKey): Promise<Response> {
  const body = JSON.stringify(cb);
  return Promise.resolve(h.app.request("/api/v1/callbacks/inference", {
    method: "POST",
    headers: { "content-type": "application/json", ...signCallback(body, key, nowSec) },
    body,
  }));
}

/**
 * The inference HTTP app: composes middleware and routes only (STYLE.md "main.ts only composes"). Everything it
 * needs comes in through `AppDeps`, so tests build it with real small stages and an in-memory store.
 */
import { Hono } from "hono";
import { CallbackClient } from "./callback_client.ts";
import { Semaphore } from "./concurrency.ts";
import type { InferenceEnv } from "./env.ts";
import type { Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { qstashSignature, ReplayCache } from "./middleware/qstash_signature.ts";
import type { ArtifactStore, Stage } from "./pipeline/types.ts";
import type { StageName } from "./contracts/stages.ts";
import { healthRoutes, type ModelStatus } from "./routes/health.ts";
import { jobRoutes } from "./routes/jobs.ts";

export interface AppDeps {
  env:
    & Pick<
      InferenceEnv,
      | "publicUrl"
      | "qstash"
      | "callbackKeys"
      | "concurrency"
      | "heartbeatIntervalSec"
    >
    & Partial<Pick<InferenceEnv, "stageDelayMs">>;
  stages: Partial<Record<StageName, Stage>>;
  store: ArtifactStore;
  log: Logger;
  /** Default: a fresh registry. */
  metrics?: Metrics;
  /** The loaded model for /healthz (null = not loaded). */
  model: () => ModelStatus | null;
  /** Default: signs with `env.callbackKeys`. */
  callbacks?: CallbackClient;
  shutdownSignal?: AbortSignal;
  isDraining?: () => boolean;
}

/** The app plus the handles main needs for shutdown. */
export interface InferenceApp {
  app: Hono;
  semaphore: Semaphore;
  metrics: Metrics;
}

/** Builds the inference app: `/v1/jobs` (QStash-signed), `/healthz`, `/metrics`. */
export function createApp(deps: AppDeps): InferenceApp {
  const metrics = deps.metrics ?? createMetrics();
  const semaphore = new Semaphore(deps.env.concurrency);
  const callbacks = deps.callbacks ??
    new CallbackClient({ keys: deps.env.callbackKeys, log: deps.log });
  const app = new Hono();

  app.use(async function httpMetrics(c, next) {
    const end = metrics.httpDuration.startTimer();
    await next();
    end({
      method: c.req.method,
      route: c.req.routePath || "unmatched",
      status: String(c.res.status),
    });
  });
  app.use(async function closeWhenDraining(c, next) {
    await next();
    // While draining, a keep-alive socket would hold the shutdown open after its (job) response; ask to close it.
    if (deps.isDraining?.()) c.res.headers.set("connection", "close");
  });
  app.route(
    "/",
    healthRoutes({
      metrics,
      model: deps.model,
      jobsInFlight: () => semaphore.active,
      isDraining: deps.isDraining,
    }),
  );
  app.route(
    "/v1",
    jobRoutes({
      verify: qstashSignature({
        ...deps.env.qstash,
        publicUrl: deps.env.publicUrl,
        replay: new ReplayCache(),
      }),
      semaphore,
      stages: deps.stages,
      store: deps.store,
      callbacks,
      log: deps.log,
      metrics,
      heartbeatIntervalSec: deps.env.heartbeatIntervalSec,
      stageDelayMs: deps.env.stageDelayMs ?? 0,
      shutdownSignal: deps.shutdownSignal,
      isDraining: deps.isDraining,
    }),
  );
  app.notFound((c) => c.json({ error: `No route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    // 5xx details stay in the log (with the trace id); the caller gets a generic message.
    deps.log.error("unhandled error", {
      error: err,
      path: c.req.path,
      traceId: c.req.header("x-trace-id"),
    });
    return c.json({ error: "Internal error" }, 500);
  });
  return { app, semaphore, metrics };
}

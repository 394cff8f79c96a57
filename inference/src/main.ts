/**
 * Starts the inference server: validates env, loads the model once (checking its manifest and checksum), serves
 * the app on INFERENCE_PORT, and shuts down gracefully on SIGTERM/SIGINT: stop taking jobs (503 + Retry-After),
 * let running jobs finish for up to SHUTDOWN_GRACE_SEC, then abort the rest (they answer 503, so QStash redelivers
 * and the next server resumes from the stored stage outputs).
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import { EnvError, type InferenceEnv, loadEnv } from "./env.ts";
import { createLogger, type Logger } from "./log.ts";
import { buildNoopStages } from "./pipeline/noop.ts";
import { buildStages } from "./pipeline/pipeline.ts";
import { loadTranscriber } from "./pipeline/transcribe.ts";
import { S3Store } from "./storage/s3_store.ts";

/** [ms] aborted jobs get to answer their held requests before the process exits. */
const ABORT_SETTLE_MS = 5_000;

function readEnv(): InferenceEnv {
  try {
    return loadEnv();
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

async function loadModel(env: InferenceEnv, log: Logger) {
  try {
    const transcriber = await loadTranscriber({ modelDir: env.modelDir });
    log.info("model loaded", {
      model: transcriber.model.name,
      version: transcriber.model.version,
      executionProviders: transcriber.executionProviders,
    });
    return transcriber;
  } catch (err) {
    log.error(
      "could not load the model; check MODEL_DIR and its manifest.json",
      { modelDir: env.modelDir, error: err },
    );
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const env = readEnv();
  const log = createLogger({ level: env.logLevel });
  const transcriber = await loadModel(env, log);
  const shutdown = new AbortController();
  let draining = false;
  const { app, semaphore } = createApp({
    env,
    stages: env.pipeline === "noop" ? buildNoopStages() : buildStages({ transcriber }),
    store: new S3Store(env.s3),
    log,
    model: () => ({
      name: transcriber.model.name,
      version: transcriber.model.version,
      executionProviders: transcriber.executionProviders,
    }),
    shutdownSignal: shutdown.signal,
    isDraining: () => draining,
  });
  const server = serve(
    { fetch: app.fetch, port: env.port },
    (info: AddressInfo) => {
      log.info("inference listening", {
        port: info.port,
        publicUrl: env.publicUrl,
        concurrency: env.concurrency,
      });
    },
  );

  const stop = async (signal: string) => {
    if (draining) return;
    draining = true;
    log.info("shutting down: no new jobs, waiting for running ones", {
      signal,
      running: semaphore.active,
      graceSec: env.shutdownGraceSec,
    });
    // Resolves once every connection has ended, i.e. the held job responses were written out.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (!(await semaphore.waitIdle(env.shutdownGraceSec * 1000))) {
      log.warn(
        "grace period over: aborting running jobs (QStash will redeliver)",
        { running: semaphore.active },
      );
      shutdown.abort();
      await semaphore.waitIdle(ABORT_SETTLE_MS);
    }
    // The slot is released just before the response is sent; exiting now would cut it off and make QStash
    // redeliver a job that is done. Keep-alive sockets that turned idle since close() are closed here.
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, ABORT_SETTLE_MS))]);
    log.info("inference stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

await main();

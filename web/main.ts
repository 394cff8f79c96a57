/**
 * Web entry point: reads env, builds the dependencies, serves the app on PORT, runs the job watchdog, and shuts
 * down gracefully on SIGINT/SIGTERM (stop accepting, finish in-flight requests, stop the watchdog, close the pool).
 */
import { Client, Receiver } from "@upstash/qstash";
import { Redis } from "@upstash/redis";
import { createApp } from "./app.ts";
import { createSql } from "./db/client.ts";
import { countActiveJobs } from "./db/jobs.ts";
import type { AppDeps } from "./lib/app_env.ts";
import { ConfigError, loadConfig, type WebConfig } from "./lib/config.ts";
import { startJobWatchdog } from "./lib/jobs.ts";
import { pages } from "./routes/pages.tsx";
import { batchedSink, createLogger } from "./lib/log.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createS3Client } from "./lib/storage.ts";
import { JobEventBus } from "./lib/job_event_bus.ts";
import { PageCache } from "./lib/page_cache.ts";
import { StoredMapCache } from "./lib/stored_maps.ts";

/** Builds the production dependencies from `config`. */
/** Process-wide log output: batched writes to stdout (web/lib/log.ts). */
const logSink = batchedSink();

export function buildDeps(config: WebConfig): AppDeps {
  const sql = createSql(config.databaseUrl, { max: config.dbPoolMax, applicationName: "beatsight-web" });
  return {
    config,
    sql,
    redis: new Redis({ url: config.redisRestUrl, token: config.redisRestToken, enableTelemetry: false }),
    qstash: new Client({ baseUrl: config.qstashUrl, token: config.qstashToken, enableTelemetry: false }),
    receiver: new Receiver({
      currentSigningKey: config.qstashCurrentSigningKey,
      nextSigningKey: config.qstashNextSigningKey,
    }),
    s3: createS3Client(config),
    log: createLogger({ level: config.logLevel, service: "web", sink: logSink }),
    metrics: createMetrics({ queueDepth: () => countActiveJobs(sql) }),
    jobEvents: new JobEventBus(),
    maps: new StoredMapCache(),
    pageCache: new PageCache(config.pageCacheTtlSec * 1000),
  };
}

function readConfig(): WebConfig {
  try {
    return loadConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}

if (import.meta.main) {
  const config = readConfig();
  const deps = buildDeps(config);
  const app = createApp(deps, { pages });
  const server = Deno.serve({
    port: config.port,
    hostname: "0.0.0.0",
    onListen: ({ port }) => deps.log.info("web listening", { port, publicUrl: config.publicUrl }),
  }, app.fetch);
  const stopWatchdog = startJobWatchdog(deps, {
    staleAfterSec: config.jobStaleAfterSec,
    maxAttempts: config.jobMaxAttempts,
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.log.info("shutting down", { signal });
    await server.shutdown();
    await stopWatchdog();
    await deps.sql.end({ timeout: 5 });
    logSink.flush();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
}

/**
 * Prometheus metrics of the web process (docs/CONTRACTS.md "Logs and metrics"). Each app gets its own registry so
 * tests can build several apps in one process without "metric already registered" errors.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The web metrics; `registry.metrics()` renders the text exposition format. */
export interface WebMetrics {
  registry: Registry;
  /** [seconds] per request, labelled with the route pattern (not the raw path, to bound cardinality). */
  httpDuration: Histogram<"method" | "route" | "status">;
  /** [seconds] per finished inference stage, from the callbacks' `stageTimingsMs`. */
  stageDuration: Histogram<"stage">;
  /** Failed jobs, by the stage they failed in. */
  jobFailures: Counter<"stage">;
}

/** Options of {@link createMetrics}: `queueDepth` is called on each scrape (queued + running jobs). */
export interface MetricsOptions {
  queueDepth?: () => Promise<number>;
}

/** Builds a fresh registry with the web metrics. */
export function createMetrics(options: MetricsOptions = {}): WebMetrics {
  const registry = new Registry();
  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const stageDuration = new Histogram({
    name: "beatsight_job_stage_duration_seconds",
    help: "Inference stage wall time in seconds",
    labelNames: ["stage"] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: "beatsight_job_failures_total",
    help: "Failed jobs by stage",
    labelNames: ["stage"] as const,
    registers: [registry],
  });
  const queueDepth = options.queueDepth;
  new Gauge({
    name: "beatsight_jobs_queue_depth",
    help: "Jobs queued or running",
    registers: [registry],
    async collect() {
      if (queueDepth) this.set(await queueDepth());
    },
  });
  return { registry, httpDuration, stageDuration, jobFailures };
}

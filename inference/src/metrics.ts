/**
 * Prometheus metrics of the inference server (docs/CONTRACTS.md "Logs and metrics"). Each call builds its own
 * registry so tests and several apps in one process do not collide.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The metric handles the server and the runner update. */
export interface Metrics {
  registry: Registry;
  /** [seconds] labels: method, route, status. */
  httpDuration: Histogram<"method" | "route" | "status">;
  /** [seconds] wall time of one stage run; label: stage. */
  stageDuration: Histogram<"stage">;
  /** Failed stage runs; label: stage. */
  failures: Counter<"stage">;
  /** Jobs running in this process now. */
  jobsInFlight: Gauge;
}

/** Creates a fresh registry holding the inference metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: "beatsight_job_stage_duration_seconds",
      help: "Wall time of one pipeline stage in seconds",
      labelNames: ["stage"],
      // Stages range from sub-second (fingerprint) to minutes (transcribe on CPU).
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    failures: new Counter({
      name: "beatsight_job_failures_total",
      help: "Pipeline stage failures",
      labelNames: ["stage"],
      registers: [registry],
    }),
    jobsInFlight: new Gauge({
      name: "beatsight_inference_jobs_in_flight",
      help: "Jobs running in this inference process",
      registers: [registry],
    }),
  };
}

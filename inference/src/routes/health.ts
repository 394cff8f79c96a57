/** `GET /healthz` (liveness + what model runs where) and `GET /metrics` (Prometheus text). */
import { Hono } from "hono";
import type { Metrics } from "../metrics.ts";

/** What the health check reports about the loaded model. */
export interface ModelStatus {
  name: string;
  version: string;
  /** The execution providers the session was created with, e.g. ["cuda","cpu"] or ["cpu"]. */
  executionProviders: string[];
}

export interface HealthRoutesOptions {
  metrics: Metrics;
  /** The loaded model, or null when it is not (yet) loaded: the server is then not healthy. */
  model: () => ModelStatus | null;
  /** Jobs running now. */
  jobsInFlight: () => number;
  isDraining?: () => boolean;
}

/** Health and metrics routes, mounted at `/`. */
export function healthRoutes(options: HealthRoutesOptions) {
  const app = new Hono();
  app.get("/healthz", (c) => {
    const model = options.model();
    const draining = options.isDraining?.() ?? false;
    const ok = model !== null && !draining;
    return c.json({
      ok,
      service: "inference",
      model,
      draining,
      jobsInFlight: options.jobsInFlight(),
    }, ok ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    const text = await options.metrics.registry.metrics();
    return c.text(text, 200, {
      "content-type": options.metrics.registry.contentType,
    });
  });
  return app;
}

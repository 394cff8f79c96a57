import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetrics } from "../metrics.ts";
import { healthRoutes, type ModelStatus } from "./health.ts";

describe("routes/health", () => {
  it("GET /healthz - 503 until the model is loaded and while draining", async () => {
    let model: ModelStatus | null = null;
    let draining = false;
    const app = healthRoutes({
      metrics: createMetrics(),
      model: () => model,
      jobsInFlight: () => 1,
      isDraining: () => draining,
    });
    const before = await app.request("/healthz");
    assert.equal(before.status, 503);
    assert.equal((await before.json() as { model: unknown }).model, null);
    model = {
      name: "drums",
      version: "2.0.0",
      executionProviders: ["cuda", "cpu"],
    };
    const ok = await app.request("/healthz");
    assert.equal(ok.status, 200);
    assert.deepEqual(
      (await ok.json() as { model: ModelStatus }).model.executionProviders,
      ["cuda", "cpu"],
    );
    draining = true;
    assert.equal((await app.request("/healthz")).status, 503);
  });

  it("GET /metrics - serves the Prometheus text format", async () => {
    const metrics = createMetrics();
    metrics.failures.inc({ stage: "transcribe" });
    const res = await healthRoutes({
      metrics,
      model: () => null,
      jobsInFlight: () => 0,
    }).request("/metrics");
    assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
    assert.match(
      await res.text(),
      /beatsight_job_failures_total\{stage="transcribe"\} 1/,
    );
  });
});

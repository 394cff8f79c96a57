/** Probes and metrics: `/healthz` (process up), `/readyz` (DB, Redis, S3 reachable), `/metrics` (Prometheus). */
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../lib/app_env.ts";
import { headBucket } from "../../lib/storage.ts";

/** How long each readiness check may take [ms]. */
export const READY_CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)),
  ]);
}

/** Runs the readiness checks; returns the names and reasons of the failed ones. */
export async function readinessFailures(deps: AppDeps): Promise<{ check: string; error: string }[]> {
  const checks: Record<string, () => Promise<unknown>> = {
    database: () => deps.sql`select 1`,
    redis: () => deps.redis.ping(),
    s3: () => headBucket(deps.s3, deps.config.s3Bucket),
  };
  const results = await Promise.all(
    Object.entries(checks).map(async ([check, run]) => {
      try {
        await withTimeout(run(), READY_CHECK_TIMEOUT_MS);
        return null;
      } catch (error) {
        return { check, error: (error as Error).message || (error as Error).name };
      }
    }),
  );
  return results.filter((r) => r !== null);
}

/** Root-level probe routes. */
export const healthRoutes = new Hono<AppEnv>()
  .get("/healthz", (c) => c.json({ ok: true }))
  .get("/readyz", async (c) => {
    const failed = await readinessFailures(c.var.deps);
    if (failed.length) return c.json({ ok: false, failed }, 503);
    return c.json({ ok: true });
  })
  .get("/metrics", async (c) => {
    const { registry } = c.var.deps.metrics;
    return c.text(await registry.metrics(), 200, { "content-type": registry.contentType });
  });

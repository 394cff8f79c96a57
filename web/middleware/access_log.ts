/** One JSON access-log line per request and the `http_request_duration_seconds` histogram. */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../lib/app_env.ts";

/** The route pattern that handled the request (e.g. `/api/v1/jobs/:id`), so metric labels stay bounded. */
export function routePattern(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL" && r.path !== "/*");
  return handlers.at(-1)?.path ?? "unmatched";
}

/** Logs method, route, status and duration [ms], and observes the duration metric [seconds]. */
export function accessLog(): MiddlewareHandler<AppEnv> {
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = routePattern(c);
      const status = c.res.status;
      const { log, metrics } = c.var.deps;
      metrics.httpDuration.observe({ method: c.req.method, route, status: String(status) }, seconds);
      log.info("request", {
        traceId: c.var.traceId,
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        userId: c.var.user?.id,
      });
    }
  };
}

/** Trace ids (docs/CONTRACTS.md §7): taken from `x-trace-id` when well-formed, else made; echoed on the response. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/app_env.ts";

/** Response/request header carrying the trace id. */
export const TRACE_HEADER = "x-trace-id";
const TRACE_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Sets `c.var.traceId` and the `x-trace-id` response header. */
export function traceId(): MiddlewareHandler<AppEnv> {
  return async function traceIdMiddleware(c, next) {
    const given = c.req.header(TRACE_HEADER);
    const id = given && TRACE_PATTERN.test(given) ? given : crypto.randomUUID();
    c.set("traceId", id);
    c.header(TRACE_HEADER, id);
    await next();
    c.res.headers.set(TRACE_HEADER, id);
  };
}

/**
 * Serves anonymous GETs of a page from the process's PageCache (web/lib/page_cache.ts) and fills it on a miss.
 * Only 200 HTML responses are kept; signed-in visitors pass straight through.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/app_env.ts";
import { cutToken, withToken } from "../lib/page_cache.ts";

/** Answers anonymous page views from the micro-cache; `x-cache: hit|miss` says which. */
export function microCache(): MiddlewareHandler<AppEnv> {
  return async function microCacheMiddleware(c, next) {
    const cache = c.var.deps.pageCache;
    if (c.req.method !== "GET" || c.var.user || cache.ttlMs <= 0) return await next();
    const key = c.req.path;
    const token = c.var.csrfToken ?? "";
    const cached = cache.get(key);
    if (cached) {
      c.header("x-cache", "hit");
      c.header("content-type", "text/html; charset=UTF-8");
      return c.body(withToken(cached, token));
    }
    await next();
    if (c.res.status !== 200 || !c.res.headers.get("content-type")?.startsWith("text/html")) return;
    cache.set(key, cutToken(await c.res.clone().text(), token));
    c.res.headers.set("x-cache", "miss");
  };
}

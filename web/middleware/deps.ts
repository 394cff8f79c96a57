/** Puts the app's dependencies on every request (`c.var.deps`). */
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../lib/app_env.ts";

/** Sets `c.var.deps` (and a null `c.var.user` until authentication runs). */
export function provideDeps(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async function provideDepsMiddleware(c, next) {
    c.set("deps", deps);
    c.set("user", null);
    await next();
  };
}

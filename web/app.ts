/**
 * The web app: middleware, the API and probe sub-apps, and the one place errors become responses. Composition only;
 * pages mount with `createApp(deps, { pages })`.
 */
import { Hono } from "hono";
import { except } from "hono/combine";
import { contextStorage } from "hono/context-storage";
import type { AppDeps, AppEnv } from "./lib/app_env.ts";
import { authenticate } from "./lib/auth.ts";
import { toErrorBody } from "./lib/errors.ts";
import { accessLog } from "./middleware/access_log.ts";
import { csrf } from "./middleware/csrf.ts";
import { provideDeps } from "./middleware/deps.ts";
import { traceId } from "./middleware/trace.ts";
import { healthRoutes } from "./routes/api/health.ts";
import { apiV1 } from "./routes/api/v1.ts";
import { authPages } from "./routes/auth.tsx";
import { pageErrors } from "./routes/pages/render.tsx";

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Server-rendered pages, mounted at "/" after the API. */
  pages?: Hono<AppEnv>;
}

/** Builds the Hono app over `deps`. */
export function createApp(deps: AppDeps, options: CreateAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // contextStorage lets the page shell read the session and CSRF token (web/components/auth/AccountMenu.tsx).
  // Callbacks carry their own signatures and no ambient credentials, so CSRF tokens do not apply to them.
  app.use("*", contextStorage(), provideDeps(deps), traceId(), accessLog(), authenticate());
  app.use("*", except("/api/v1/callbacks/*", csrf()));
  app.route("/", healthRoutes);
  app.route("/api/v1", apiV1);
  app.route("/", authPages);
  if (options.pages) app.route("/", options.pages);

  app.notFound((c) => {
    const body = { error: { status: 404, message: `No route for ${c.req.method} ${c.req.path}.` } };
    return c.req.path.startsWith("/api/") ? c.json(body, 404) : c.text("Not found", 404);
  });
  app.onError((error, c) => {
    // A page or a form a person submitted (a refused CSRF token, say) gets a page they can read; the API gets JSON.
    if (!c.req.path.startsWith("/api/")) return pageErrors(error, c);
    const { body, internal, headers } = toErrorBody(error, c.var.traceId);
    if (internal) deps.log.error("request failed", { traceId: c.var.traceId, path: c.req.path, error });
    return c.json(body, body.error.status as 400, headers);
  });
  return app;
}

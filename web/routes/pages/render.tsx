/**
 * Helpers shared by the page routes: render with the app's islands, the visitor's session (creating a guest one
 * where a page needs an owner), ids from the path, and the one error page handler.
 */
import type { Context, ErrorHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ComponentChildren } from "preact";
import { z } from "zod";
import { STAGES_BY_JOB_TYPE } from "../../../inference/src/contracts/stages.ts";
import { islandAssets } from "../../build.ts";
import { ErrorPage } from "../../components/Pages.tsx";
import type { Job } from "../../db/jobs.ts";
import { createGuestUser } from "../../db/users.ts";
import { APP_ISLANDS } from "../../islands/mod.ts";
import type { JobView } from "../../islands/job_view.ts";
import type { AppEnv, SessionUser } from "../../lib/app_env.ts";
import { guestSessionUser, setSessionCookie, signSession } from "../../lib/auth.ts";
import { HttpError, NotFoundError } from "../../lib/errors.ts";
import { renderPage } from "../../lib/render.tsx";

/** Display name of a guest user created by a page visit. */
export const GUEST_NAME = "Guest drummer";

const uuid = z.string().uuid();

/** Renders `page` with the app's islands as an HTML response. */
export async function html(c: Context<AppEnv>, page: ComponentChildren, status: ContentfulStatusCode = 200) {
  const assets = await islandAssets();
  return c.html(renderPage(page, { assets, registry: APP_ISLANDS }), status);
}

/** The visitor's session, creating a guest user and session cookie when there is none. */
export async function ensureGuest(c: Context<AppEnv>): Promise<SessionUser> {
  if (c.var.user) return c.var.user;
  const { sql, config } = c.var.deps;
  const row = await createGuestUser(sql, GUEST_NAME);
  const user = guestSessionUser({ ...row, displayName: row.displayName ?? GUEST_NAME });
  setSessionCookie(c, await signSession(user, config.sessionSecret));
  c.set("user", user);
  return user;
}

/** The visitor, or a 404: without a session nothing is theirs to see. */
export function visitor(c: Context<AppEnv>, what: string): SessionUser {
  if (!c.var.user) throw new NotFoundError(what, { hint: "Open it from the browser you uploaded it with." });
  return c.var.user;
}

/** `value` when it is a uuid; otherwise the page is a 404 (a malformed id names nothing). */
export function parseId(value: string, what: string): string {
  if (!uuid.safeParse(value).success) throw new NotFoundError(what);
  return value;
}

/** A job row as the JobProgress island shows it. */
export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    songId: job.songId,
    type: job.type,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    error: job.error,
    stages: STAGES_BY_JOB_TYPE[job.type],
    done: Object.keys(job.stageOutputs) as JobView["done"],
  };
}

/**
 * 4xx become an error page with the message and hint; anything else is logged and shown generically. Error pages
 * are never cached (a stale one would outlive its cause).
 */
export const pageErrors: ErrorHandler<AppEnv> = async (error, c) => {
  c.header("Cache-Control", "no-store");
  if (error instanceof HttpError && error.status < 500) {
    const message = error.hint ? `${error.message} ${error.hint}` : error.message;
    return await html(c, <ErrorPage status={error.status} message={message} />, error.status as ContentfulStatusCode);
  }
  c.var.deps?.log.error("page failed", { error, traceId: c.var.traceId, path: c.req.path });
  return await html(c, <ErrorPage status={500} message="Something went wrong on our side; please try again." />, 500);
};

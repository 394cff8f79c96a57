/**
 * The HTML pages and /static files, as a Hono sub-app: `app.route("/", pages)` in web/app.ts. Handlers load the
 * data (scoped to the visitor's session) and render components/Pages.tsx; islands hydrate the interactive parts.
 */
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { serveStatic } from "hono/deno";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ComponentChildren } from "preact";
import { join } from "node:path";
import { z } from "zod";
import { bsmSchema } from "../../inference/src/contracts/bsm.ts";
import { STAGES_BY_JOB_TYPE } from "../../inference/src/contracts/stages.ts";
import { BUILD_DIR, isHashedAsset, islandAssets } from "../build.ts";
import { MapPage } from "../components/MapPage.tsx";
import { ErrorPage, HomePage, JobPage, SongPage } from "../components/Pages.tsx";
import { findUserJob, type Job, listUserJobs } from "../db/jobs.ts";
import { findSongCurrentMap } from "../db/maps.ts";
import { findReadableSong, findUserSong } from "../db/songs.ts";
import { createGuestUser } from "../db/users.ts";
import { APP_ISLANDS } from "../islands/mod.ts";
import type { JobView } from "../islands/job_view.ts";
import type { AppEnv, SessionUser } from "../lib/app_env.ts";
import { authenticate, guestSessionUser, setSessionCookie, signSession } from "../lib/auth.ts";
import { HttpError, NotFoundError } from "../lib/errors.ts";
import { renderPage } from "../lib/render.tsx";
import { getJson } from "../lib/storage.ts";

/** Folder served at `/static` (css, icons, and `build/` from web/build.ts). */
export const STATIC_DIR = join(BUILD_DIR, "..");
/** Cache policy of content-hashed files: they never change under one name. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
/** Cache policy of other static files (app.css, icons), which keep their names across deploys. */
export const SHORT_CACHE = "public, max-age=300";
/** Display name of a guest user created by a page visit. */
export const GUEST_NAME = "Guest drummer";

const uuid = z.string().uuid();

/** Renders `page` with the app's islands as an HTML response. */
async function html(c: Context<AppEnv>, page: ComponentChildren, status: ContentfulStatusCode = 200) {
  const assets = await islandAssets();
  return c.html(renderPage(page, { assets, registry: APP_ISLANDS }), status);
}

/** The visitor's session, creating a guest user and session cookie when there is none. */
async function ensureGuest(c: Context<AppEnv>): Promise<SessionUser> {
  if (c.var.user) return c.var.user;
  const { sql, config } = c.var.deps;
  const row = await createGuestUser(sql, GUEST_NAME);
  const user = guestSessionUser({ ...row, displayName: row.displayName ?? GUEST_NAME });
  setSessionCookie(c, await signSession(user, config.sessionSecret));
  c.set("user", user);
  return user;
}

/** The visitor, or a 404: without a session nothing is theirs to see. */
function visitor(c: Context<AppEnv>, what: string): SessionUser {
  if (!c.var.user) throw new NotFoundError(what, { hint: "Open it from the browser you uploaded it with." });
  return c.var.user;
}

function parseId(value: string, what: string): string {
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

const latestJob = async (c: Context<AppEnv>, userId: string, songId: string, type: Job["type"]) =>
  (await listUserJobs(c.var.deps.sql, userId, { limit: 1, type, songId }))[0] ?? null;

/** Long-cache hashed build files, short-cache the rest. */
const staticFiles: MiddlewareHandler<AppEnv> = serveStatic({
  root: STATIC_DIR,
  rewriteRequestPath: (path) => path.replace(/^\/static/, ""),
  onFound: (path, c) => {
    c.header("Cache-Control", isHashedAsset(path) ? IMMUTABLE_CACHE : SHORT_CACHE);
  },
});

/** The pages sub-app. */
export const pages = new Hono<AppEnv>();

pages.get("/static/*", staticFiles);
pages.use("/", authenticate());
pages.use("/songs/*", authenticate());
pages.use("/jobs/*", authenticate());

pages.get("/", async (c) => {
  await ensureGuest(c);
  return await html(c, <HomePage maxBytes={c.var.deps.config.maxUploadBytes} />);
});

pages.get("/songs/:id", async (c) => {
  const user = c.var.user;
  const { sql } = c.var.deps;
  const song = await findReadableSong(sql, user?.id ?? null, parseId(c.req.param("id"), "song"));
  if (!song) throw new NotFoundError("song", { hint: "Open it from the browser you uploaded it with." });
  const [fingerprintJob, mapJob, current] = await Promise.all([
    user ? latestJob(c, user.id, song.id, "fingerprint") : null,
    user ? latestJob(c, user.id, song.id, "generate_map") : null,
    findSongCurrentMap(sql, song.id, song.canonicalMapId),
  ]);
  return await html(
    c,
    <SongPage song={song} fingerprintJob={fingerprintJob} mapJob={mapJob} map={current?.version ?? null} />,
  );
});

pages.get("/songs/:id/map", async (c) => {
  const { sql, s3, config } = c.var.deps;
  const song = await findReadableSong(sql, c.var.user?.id ?? null, parseId(c.req.param("id"), "song"));
  if (!song) throw new NotFoundError("song", { hint: "Open it from the browser you uploaded it with." });
  const current = await findSongCurrentMap(sql, song.id, song.canonicalMapId);
  if (!current) throw new NotFoundError("drum map", { hint: "Generate one from the song's page." });
  // A file that is not JSON counts as damaged like one failing the schema; S3 outages still become a 500.
  const stored = await getJson(s3, config.s3Bucket, current.version.s3Key).catch((error) => {
    if (error instanceof SyntaxError) return null;
    throw error;
  });
  const parsed = bsmSchema.safeParse(stored);
  const problem = parsed.success ? undefined : "The stored map file is missing or damaged; try generating it again.";
  const status = current.map.status === "verified" ? "verified" : "unverified";
  return await html(
    c,
    <MapPage song={song} version={current.version} map={parsed.data ?? null} problem={problem} status={status} />,
  );
});

pages.get("/jobs/:id", async (c) => {
  const user = visitor(c, "job");
  const { sql } = c.var.deps;
  const job = await findUserJob(sql, user.id, parseId(c.req.param("id"), "job"));
  if (!job) throw new NotFoundError("job");
  const song = await findUserSong(sql, user.id, job.songId);
  if (!song) throw new NotFoundError("song");
  return await html(c, <JobPage job={toJobView(job)} song={song} />);
});

pages.onError(async (error, c) => {
  if (error instanceof HttpError && error.status < 500) {
    const message = error.hint ? `${error.message} ${error.hint}` : error.message;
    return await html(c, <ErrorPage status={error.status} message={message} />, error.status as ContentfulStatusCode);
  }
  c.var.deps?.log.error("page failed", { error, traceId: c.var.traceId, path: c.req.path });
  return await html(c, <ErrorPage status={500} message="Something went wrong on our side; please try again." />, 500);
});

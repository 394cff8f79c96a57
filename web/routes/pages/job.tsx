/** `/jobs/:id`: live progress of one of the visitor's jobs (JobProgress island over SSE). */
import { Hono } from "hono";
import { JobPage } from "../../components/Pages.tsx";
import { findUserJob } from "../../db/jobs.ts";
import { findUserSong } from "../../db/songs.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { html, parseId, toJobView, visitor } from "./render.tsx";

/** The job route. */
export const jobPageRoutes = new Hono<AppEnv>().get("/jobs/:id", async (c) => {
  const user = visitor(c, "job");
  const { sql } = c.var.deps;
  const job = await findUserJob(sql, user.id, parseId(c.req.param("id"), "job"));
  if (!job) throw new NotFoundError("job");
  const song = await findUserSong(sql, user.id, job.songId);
  if (!song) throw new NotFoundError("song");
  return await html(c, <JobPage job={toJobView(job)} song={song} />);
});

/** Jobs: create, list (keyset pages), read, cancel, retry. Other users' jobs are 404. */
import { Hono } from "hono";
import { z } from "zod";
import { jobStatusSchema, jobTypeSchema, stageSchema } from "../../../inference/src/contracts/stages.ts";
import { findUserJob, listUserJobs } from "../../db/jobs.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { decodeCursor, encodeCursor } from "../../lib/cursor.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { cancelJob, createJob, retryJob } from "../../lib/jobs.ts";
import { validate } from "../../lib/validate.ts";
import { jobView } from "../../lib/views.ts";
import { jobRateLimit } from "../../middleware/limits.ts";

/** Default and largest page size of `GET /jobs`. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const createSchema = z.object({
  type: jobTypeSchema,
  songId: z.string().uuid(),
  priority: z.number().int().min(0).max(9).optional(),
});
const listSchema = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  status: jobStatusSchema.optional(),
  type: jobTypeSchema.optional(),
  songId: z.string().uuid().optional(),
});
const idParam = z.object({ id: z.string().uuid() });
const retrySchema = z.object({ resumeFrom: stageSchema.optional() });

/** Routes under /api/v1/jobs (signed-in users). */
export const jobRoutes = new Hono<AppEnv>()
  .post("/", jobRateLimit(), validate("json", createSchema), async (c) => {
    const { job, created } = await createJob(c.var.deps, currentUser(c).id, c.req.valid("json"), c.var.traceId);
    return c.json({ job: jobView(job) }, created ? 201 : 200);
  })
  .get("/", validate("query", listSchema), async (c) => {
    const q = c.req.valid("query");
    const rows = await listUserJobs(c.var.deps.sql, currentUser(c).id, {
      limit: q.limit,
      afterId: q.cursor ? decodeCursor(q.cursor) : null,
      status: q.status,
      type: q.type,
      songId: q.songId,
    });
    const items = rows.slice(0, q.limit);
    const nextCursor = rows.length > q.limit ? encodeCursor(items[items.length - 1].id) : null;
    return c.json({ items: items.map(jobView), nextCursor });
  })
  .get("/:id", validate("param", idParam), async (c) => {
    const job = await findUserJob(c.var.deps.sql, currentUser(c).id, c.req.valid("param").id);
    if (!job) throw new NotFoundError("job");
    return c.json({ job: jobView(job) });
  })
  .delete("/:id", validate("param", idParam), async (c) => {
    const job = await cancelJob(c.var.deps, currentUser(c).id, c.req.valid("param").id);
    return c.json({ job: jobView(job) });
  })
  .post("/:id/retry", validate("param", idParam), validate("json", retrySchema), async (c) => {
    const { resumeFrom } = c.req.valid("json");
    const job = await retryJob(c.var.deps, currentUser(c).id, c.req.valid("param").id, resumeFrom);
    return c.json({ job: jobView(job) });
  });

/**
 * `GET /jobs/:id/events`: Server-Sent Events. Replays the job's recorded events (SSE id = event id, so
 * `Last-Event-ID` resumes), then waits for new ones until a terminal event: woken at once when this process
 * applies a callback of the job (AppDeps.jobEvents), and polling as a fallback for callbacks other web machines
 * apply (LISTEN is unavailable on PGlite).
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { TERMINAL_STATUSES } from "../../../inference/src/contracts/stages.ts";
import { findUserJob } from "../../db/jobs.ts";
import { type JobEvent, listJobEvents } from "../../db/job_events.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { currentUser } from "../../lib/auth.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { validate } from "../../lib/validate.ts";

/** How often the stream looks for new events [ms]. */
export const POLL_INTERVAL_MS = 250;
/** How often an idle stream sends a keep-alive comment [ms]. */
export const KEEP_ALIVE_MS = 15_000;

const TERMINAL_EVENTS = new Set(["completed", "failed", "cancelled"]);
const STATUS_OF_EVENT: Record<string, string> = { completed: "succeeded", failed: "failed", cancelled: "cancelled" };

function eventData(e: JobEvent): string {
  const status = STATUS_OF_EVENT[e.event] ?? (e.stage ? "running" : "queued");
  return JSON.stringify({ stage: e.stage, progress: e.progress, status, message: e.message });
}

/** Routes under /api/v1/jobs (mounted beside the job routes). */
export const jobEventRoutes = new Hono<AppEnv>()
  .get("/:id/events", validate("param", z.object({ id: z.string().uuid() })), async (c) => {
    const { sql, jobEvents } = c.var.deps;
    const job = await findUserJob(sql, currentUser(c).id, c.req.valid("param").id);
    if (!job) throw new NotFoundError("job");
    const lastEventId = Number(c.req.header("last-event-id") ?? 0);
    let after = Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      let idleSince = Date.now();
      let ended = false;
      let first = true;
      while (!closed && !ended) {
        const events = await listJobEvents(sql, job.id, after);
        // Resuming (Last-Event-ID) after the final event of a finished job: nothing more will come.
        if (first && events.length === 0 && TERMINAL_STATUSES.includes(job.status)) break;
        first = false;
        for (const e of events) {
          await stream.writeSSE({ id: String(e.id), event: e.event, data: eventData(e) });
          after = e.id;
        }
        if (events.length > 0) {
          idleSince = Date.now();
          // Only the newest event decides: a failed job that was retried continues with a progress event.
          ended = TERMINAL_EVENTS.has(events[events.length - 1].event);
          if (ended) break;
          continue;
        }
        if (Date.now() - idleSince >= KEEP_ALIVE_MS) {
          await stream.write(": keep-alive\n\n");
          idleSince = Date.now();
        }
        await jobEvents.wait(job.id, POLL_INTERVAL_MS, c.req.raw.signal);
      }
    });
  });

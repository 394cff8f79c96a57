/**
 * Machine-to-machine callbacks (no user session): signed inference callbacks and QStash failure callbacks.
 * Each is verified before its body is even parsed.
 */
import { Buffer } from "node:buffer";
import { Hono } from "hono";
import { z } from "zod";
import {
  callbackSchema,
  REPLAY_WINDOW_SEC,
  verifyCallbackSignature,
} from "../../../inference/src/contracts/callback.ts";
import { jobMessageSchema } from "../../../inference/src/contracts/job_message.ts";
import type { AppEnv } from "../../lib/app_env.ts";
import { describeZodError, HttpError } from "../../lib/errors.ts";
import { applyCallback, failJobFromQStash, QSTASH_FAILURE_PATH } from "../../lib/jobs.ts";

/** QStash's failure-callback payload; only the fields we use are required. */
const qstashFailureSchema = z.looseObject({
  status: z.number().int().default(0),
  body: z.string().optional(),
  retried: z.number().int().nonnegative().optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  sourceBody: z.string().min(1),
});

function decodeBase64(value: string | undefined): string {
  return value ? Buffer.from(value, "base64").toString("utf8") : "";
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, "The body is not valid JSON.");
  }
}

/** Routes under /api/v1/callbacks. */
export const callbackRoutes = new Hono<AppEnv>()
  .post("/inference", async (c) => {
    const { config, redis, log } = c.var.deps;
    const raw = await c.req.text();
    const verified = verifyCallbackSignature(c.req.raw.headers, raw, config.callbackSigningKeys);
    if (!verified.ok) throw new HttpError(401, `Callback rejected: ${verified.reason}.`);
    // A captured callback re-sent within the freshness window must not apply twice.
    const first = await redis.set(`beatsight:callback-sig:${verified.signature}`, "1", {
      nx: true,
      ex: REPLAY_WINDOW_SEC,
    });
    if (first === null) throw new HttpError(409, "Callback rejected: this signature was already used.");
    const parsed = callbackSchema.safeParse(parseJson(raw));
    if (!parsed.success) throw new HttpError(400, describeZodError(parsed.error));
    const outcome = await applyCallback(c.var.deps, parsed.data);
    if (outcome.applied) c.var.deps.jobEvents.notify(parsed.data.jobId);
    log.debug("callback", {
      traceId: parsed.data.traceId,
      jobId: parsed.data.jobId,
      event: parsed.data.event,
      ...outcome,
    });
    return c.json({ continue: outcome.continue });
  })
  .post("/qstash-failure", async (c) => {
    const { config, receiver, log } = c.var.deps;
    const raw = await c.req.text();
    const signature = c.req.header("upstash-signature");
    if (!signature) throw new HttpError(401, "Missing Upstash-Signature.");
    const url = config.publicUrl + QSTASH_FAILURE_PATH;
    const ok = await receiver.verify({ signature, body: raw, url }).catch(() => false);
    if (!ok) throw new HttpError(401, "Invalid Upstash-Signature.");
    const payload = qstashFailureSchema.safeParse(parseJson(raw));
    if (!payload.success) throw new HttpError(400, describeZodError(payload.error));
    const message = jobMessageSchema.safeParse(parseJson(decodeBase64(payload.data.sourceBody)));
    if (!message.success) {
      throw new HttpError(400, `sourceBody is not a job message: ${describeZodError(message.error)}`);
    }
    const excerpt = decodeBase64(payload.data.body).replace(/\s+/g, " ").trim().slice(0, 300);
    const attempts = (payload.data.retried ?? payload.data.maxRetries ?? 0) + 1;
    const job = await failJobFromQStash(c.var.deps, {
      message: message.data,
      status: payload.data.status,
      bodyExcerpt: excerpt,
      attempts,
    });
    log.warn("qstash gave up on a job", { traceId: message.data.traceId, jobId: message.data.jobId, applied: !!job });
    return c.json({ ok: true, failed: Boolean(job) });
  });

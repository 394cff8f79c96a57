/** Request size and rate limits: bodyLimit on JSON (413) and @upstash/ratelimit on job creation (429). */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../lib/app_env.ts";
import { HttpError } from "../lib/errors.ts";

/** Largest JSON body the API accepts [bytes] (64 KiB); audio never passes through the API. */
export const MAX_JSON_BYTES = 64 * 1024;

/** Refuses bodies over `maxBytes` with 413 JSON. */
export function jsonBodyLimit(maxBytes = MAX_JSON_BYTES): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HttpError(413, `The request body is larger than ${maxBytes} bytes.`);
    },
  });
}

const limiters = new WeakMap<Redis, Ratelimit>();

function limiterFor(redis: Redis, perMinute: number): Ratelimit {
  let limiter = limiters.get(redis);
  if (!limiter) {
    limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(perMinute, "60 s"),
      prefix: "beatsight:rl:jobs",
    });
    limiters.set(redis, limiter);
  }
  return limiter;
}

/**
 * Limits job creation per user to `JOB_RATE_LIMIT_PER_MINUTE` (sliding window, shared through Redis so all web
 * machines count together). Over the limit: 429 with `Retry-After` [seconds].
 */
export function jobRateLimit(): MiddlewareHandler<AppEnv> {
  return async function jobRateLimitMiddleware(c, next) {
    const { redis, config } = c.var.deps;
    const key = c.var.user?.id ?? c.req.header("x-forwarded-for") ?? "anonymous";
    const result = await limiterFor(redis, config.jobRateLimitPerMinute).limit(key);
    if (!result.success) {
      const retryAfter = Math.max(1, Math.ceil((result.reset - Date.now()) / 1000));
      throw new HttpError(429, `Too many jobs started; at most ${result.limit} per minute.`, {
        hint: `Try again in ${retryAfter} seconds.`,
        headers: { "retry-after": String(retryAfter) },
      });
    }
    await next();
  };
}

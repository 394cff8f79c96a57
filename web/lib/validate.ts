/**
 * `@hono/zod-validator` with the app's error shape: a failed parse throws a 400 {@link HttpError} whose message
 * names the field, instead of the validator's default zod dump.
 */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { describeZodError, HttpError } from "./errors.ts";

/** Validates `target` ("json", "query", "param", ...) of the request against `schema`. */
export function validate<T extends ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw new HttpError(400, describeZodError(result.error as never));
  });
}

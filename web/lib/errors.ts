/**
 * The one HTTP error type of the web app (fresh:src/error.ts, hono:src/http-exception.ts). Anything thrown while
 * handling a request becomes a JSON response in one place, `errorResponse`, used by `app.onError`.
 */
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";

/** Options of {@link HttpError}: the underlying error and a hint telling the person what to do next. */
export interface HttpErrorOptions {
  cause?: unknown;
  hint?: string;
  /** Extra response headers (e.g. `Retry-After` on 429). */
  headers?: Record<string, string>;
  /**
   * Show message and hint to the caller although the status is 5xx: for deliberate, safe messages such as a 503
   * "the scanner is down, retry". Default: shown for 4xx only.
   */
  expose?: boolean;
}

/** An error with an HTTP status. 4xx messages are shown to the caller; 5xx are logged and replaced (unless exposed). */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;
  readonly hint?: string;
  readonly headers: Record<string, string>;
  readonly expose: boolean;

  constructor(status: number, message: string, options: HttpErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.hint = options.hint;
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? status < 500;
  }
}

/** 404 with a default message naming what was missing. Ids of other users' things get this too. */
export class NotFoundError extends HttpError {
  override name = "NotFoundError";
  constructor(what = "resource", options: HttpErrorOptions = {}) {
    super(404, `The ${what} was not found.`, options);
  }
}

/** 409: the request is valid but conflicts with the current state (e.g. cancelling a finished job). */
export class ConflictError extends HttpError {
  override name = "ConflictError";
  constructor(message: string, options: HttpErrorOptions = {}) {
    super(409, message, options);
  }
}

/** The JSON body every error response carries. */
export interface ErrorBody {
  error: { status: number; message: string; hint?: string; traceId?: string };
}

/** Turns a zod error into one sentence naming the offending field(s), e.g. `"sizeBytes" must be a number.` */
export function describeZodError(error: ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const field = issue.path.length ? issue.path.join(".") : "body";
    return `"${field}": ${issue.message}`;
  });
  return `Invalid request: ${parts.join("; ")}.`;
}

/** The status and body for `error`; `internal` is true when the real reason must be logged, not shown. */
export function toErrorBody(
  error: unknown,
  traceId?: string,
): { body: ErrorBody; internal: boolean; headers: Record<string, string> } {
  if (error instanceof HttpError) {
    const internal = error.status >= 500;
    const message = error.expose ? error.message : "Something went wrong on our side; please try again.";
    const hint = error.expose ? error.hint : undefined;
    return { body: { error: { status: error.status, message, hint, traceId } }, internal, headers: error.headers };
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx (e.g. "Malformed JSON in request body" from the validator) keep their status and message.
    return {
      body: { error: { status: error.status, message: error.message || "Bad request.", traceId } },
      internal: false,
      headers: {},
    };
  }
  if (error instanceof ZodError) {
    return {
      body: { error: { status: 400, message: describeZodError(error), traceId } },
      internal: false,
      headers: {},
    };
  }
  const body = { error: { status: 500, message: "Something went wrong on our side; please try again.", traceId } };
  return { body, internal: true, headers: {} };
}

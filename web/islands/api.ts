/**
 * Browser helpers shared by the islands: JSON calls to /api/v1 that turn error bodies
 * (`{ error: { status, message, hint? } }`) into readable {@link ApiError}s, and create a guest session once
 * when the API answers 401, so a first-time visitor never has to sign in to try the site.
 */

/** An API failure with the server's message (and hint) ready to show. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: number, message: string, readonly hint?: string) {
    super(message);
  }
}

/** Where the guest-session endpoint lives (web/lib/auth.ts). */
export const GUEST_SESSION_PATH = "/api/v1/sessions/guest";

/**
 * The CSRF header cookie-authenticated calls must carry (web/middleware/csrf.ts), read from the page's
 * `<meta name="csrf-token">`; empty outside a page that has one.
 */
export function csrfHeader(): Record<string, string> {
  const token = globalThis.document?.querySelector('meta[name="csrf-token"]')?.getAttribute("content");
  return token ? { "x-csrf-token": token } : {};
}

/** The message of an error body, or a sentence built from the status. */
export async function readApiError(res: Response): Promise<ApiError> {
  try {
    const body = await res.json() as { error?: { message?: unknown; hint?: unknown } };
    const message = typeof body.error?.message === "string" ? body.error.message : "";
    const hint = typeof body.error?.hint === "string" ? body.error.hint : undefined;
    if (message) return new ApiError(res.status, message, hint);
  } catch {
    // Not JSON (a proxy error page, say): fall through to the generic sentence.
  }
  return new ApiError(res.status, `The server answered ${res.status} ${res.statusText}. Please try again.`);
}

/**
 * `fetch`es `path` with an optional JSON body and returns the parsed JSON. On 401 it creates a guest session
 * and tries once more.
 * @throws ApiError with the server's message on a non-2xx answer, or a network message when offline.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const send = () =>
    fetch(path, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: init.body === undefined ? { accept: "application/json", ...csrfHeader() } : {
        accept: "application/json",
        "content-type": "application/json",
        ...csrfHeader(),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
    });
  let res: Response;
  try {
    res = await send();
    if (res.status === 401) {
      const guest = await fetch(GUEST_SESSION_PATH, {
        method: "POST",
        credentials: "same-origin",
        headers: csrfHeader(),
      });
      if (!guest.ok) throw await readApiError(guest);
      res = await send();
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(0, "Could not reach BeatSight. Check your connection and try again.");
  }
  if (!res.ok) throw await readApiError(res);
  return await res.json() as T;
}

/** The text to show for any error an island catches. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

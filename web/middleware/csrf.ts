/**
 * CSRF protection, signed double-submit style: a random nonce in the HttpOnly `bs_csrf` cookie, and a token that
 * is the HMAC of that nonce under SESSION_SECRET. Pages put the token in forms (`_csrf`) and in
 * `<meta name="csrf-token">` (islands send it as `x-csrf-token`). A cross-site page can neither read the token nor
 * forge one for the victim's nonce.
 *
 * Checked on POST/PUT/PATCH/DELETE that a browser could send with ambient authority: any form submission (sign-in
 * forms included, against login CSRF) and any request carrying a session cookie. Bearer-token clients are exempt:
 * a browser never attaches that header by itself.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../lib/app_env.ts";
import { REFRESH_COOKIE, SESSION_COOKIE } from "../lib/auth.ts";
import { hmac, randomToken, safeEqual } from "../lib/accounts/tokens.ts";
import { HttpError } from "../lib/errors.ts";

/** Cookie holding the CSRF nonce. */
export const CSRF_COOKIE = "bs_csrf";
/** Form field carrying the token. */
export const CSRF_FIELD = "_csrf";
/** Header carrying the token on API calls. */
export const CSRF_HEADER = "x-csrf-token";
/** Nonce cookie lifetime [seconds] (1 year); the token stays valid as long as the cookie does. */
export const CSRF_COOKIE_TTL_SEC = 365 * 24 * 3600;

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

/** The token that goes with `nonce`. */
export function csrfTokenFor(nonce: string, secret: string): Promise<string> {
  return hmac(secret, `csrf:${nonce}`);
}

async function submittedToken(c: Context<AppEnv>, isForm: boolean): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header || !isForm) return header;
  // parseBody caches the parsed form, so the handler reads the same body again.
  const value = (await c.req.parseBody())[CSRF_FIELD];
  return typeof value === "string" ? value : undefined;
}

/** Sets `c.var.csrfToken` and refuses unsafe browser requests without the matching token (403). */
export function csrf(): MiddlewareHandler<AppEnv> {
  return async function csrfMiddleware(c, next) {
    const secret = c.var.deps.config.sessionSecret;
    const bearer = /^Bearer\s/i.test(c.req.header("authorization") ?? "");
    let nonce = getCookie(c, CSRF_COOKIE);
    if (!nonce || !/^[\w-]{32,64}$/.test(nonce)) {
      nonce = randomToken(24);
      // Pages hand out the token; API responses need not set the cookie (and Bearer clients never use it).
      if (!bearer && !c.req.path.startsWith("/api/")) {
        const secure = c.var.deps.config.publicUrl.startsWith("https:");
        setCookie(c, CSRF_COOKIE, nonce, {
          httpOnly: true,
          sameSite: "Lax",
          secure,
          path: "/",
          maxAge: CSRF_COOKIE_TTL_SEC,
        });
      }
    }
    const expected = await csrfTokenFor(nonce, secret);
    c.set("csrfToken", expected);
    if (UNSAFE.has(c.req.method) && !bearer) {
      const isForm = FORM_TYPE.test(c.req.header("content-type") ?? "");
      const hasSession = Boolean(getCookie(c, SESSION_COOKIE) || getCookie(c, REFRESH_COOKIE));
      if (isForm || hasSession) {
        const given = await submittedToken(c, isForm);
        if (!given || !safeEqual(given, expected)) {
          throw new HttpError(403, "This request was refused because its security token is missing or stale.", {
            hint: "Reload the page and try again.",
          });
        }
      }
    }
    await next();
  };
}

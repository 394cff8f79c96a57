/**
 * Authorization by scope (role): `requireScope("verifier")` lets through signed-in accounts holding that scope (or
 * `admin`, which holds every power); anonymous callers get 401, guests and accounts without it 403. `requireAccount()`
 * refuses guests. Scopes come from the session token, so a change made by an admin applies at the next refresh
 * (at most web/lib/auth.ts ACCESS_TTL_SEC later).
 */
import type { MiddlewareHandler } from "hono";
import type { Scope } from "../lib/accounts/user_queries.ts";
import type { AppEnv } from "../lib/app_env.ts";
import { HttpError } from "../lib/errors.ts";

function signedInError(): HttpError {
  return new HttpError(401, "You need to be signed in.", { hint: "Sign in at /signin." });
}

/** Refuses anonymous callers (401) and guests (403). */
export function requireAccount(): MiddlewareHandler<AppEnv> {
  return async function requireAccountMiddleware(c, next) {
    const user = c.var.user;
    if (!user) throw signedInError();
    if (user.isGuest) {
      throw new HttpError(403, "This needs an account.", { hint: "Sign up at /signup; your songs come with you." });
    }
    await next();
  };
}

/** Refuses callers without `scope` (admins pass every check): 401 when anonymous, 403 otherwise. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScopeMiddleware(c, next) {
    const user = c.var.user;
    if (!user) throw signedInError();
    if (user.isGuest || !(user.scopes.includes(scope) || user.scopes.includes("admin"))) {
      throw new HttpError(403, `This needs the ${scope} role.`, { hint: "Ask an admin if you should have it." });
    }
    await next();
  };
}

/**
 * Sessions: HS256 JWTs (jose) signed with SESSION_SECRET, carried in the HttpOnly `bs_session` cookie or an
 * `Authorization: Bearer` header. `authenticate()` reads them onto `c.var.user`; `requireUser()` refuses anonymous.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { AppEnv, SessionUser } from "./app_env.ts";
import { HttpError } from "./errors.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "bs_session";
/** Session lifetime [seconds] (30 days). */
export const SESSION_TTL_SEC = 30 * 24 * 3600;

const claimsSchema = z.object({
  sub: z.string().uuid(),
  name: z.string(),
  role: z.string(),
  guest: z.boolean(),
});

const key = (secret: string) => new TextEncoder().encode(secret);

/** Signs a session token for `user` valid {@link SESSION_TTL_SEC}. */
export function signSession(user: SessionUser, secret: string): Promise<string> {
  return new SignJWT({ name: user.displayName, role: user.role, guest: user.isGuest })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(`${SESSION_TTL_SEC}s`)
    .sign(key(secret));
}

/** The user a token describes, or null when it is missing, forged, expired or malformed. */
export async function verifySession(token: string | undefined, secret: string): Promise<SessionUser | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"] });
    const claims = claimsSchema.parse(payload);
    return { id: claims.sub, displayName: claims.name, role: claims.role, isGuest: claims.guest };
  } catch {
    return null;
  }
}

/** Sets the session cookie (HttpOnly, SameSite=Lax; Secure when the public URL is https). */
export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: c.var.deps.config.publicUrl.startsWith("https:"),
    path: "/",
    maxAge: SESSION_TTL_SEC,
  });
}

/** Reads the session from the Bearer header or the cookie into `c.var.user` (null when absent or invalid). */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = bearer ?? getCookie(c, SESSION_COOKIE);
    c.set("user", await verifySession(token, c.var.deps.config.sessionSecret));
    await next();
  };
}

/** Refuses requests without a valid session with 401 JSON. */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async function requireUserMiddleware(c, next) {
    if (!c.var.user) {
      throw new HttpError(401, "You need to be signed in.", {
        hint: "Create a guest session with POST /api/v1/sessions/guest, or sign in.",
      });
    }
    await next();
  };
}

/** The signed-in user; call only behind {@link requireUser}. */
export function currentUser(c: Context<AppEnv>): SessionUser {
  const user = c.var.user;
  if (!user) throw new HttpError(401, "You need to be signed in.");
  return user;
}

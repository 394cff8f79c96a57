/**
 * Sessions: HS256 JWTs (jose) signed with SESSION_SECRET, carried in the HttpOnly `bs_session` cookie or an
 * `Authorization: Bearer` header. `authenticate()` reads them onto `c.var.user`; `requireUser()` refuses anonymous.
 *
 * Accounts get a short-lived access token ({@link ACCESS_TTL_SEC}) plus a refresh token in `bs_refresh` naming a
 * row of `sessions` (a family) and its current token id (jti). When the access token has expired, authenticate()
 * rotates the refresh token; presenting one that was already rotated away revokes the family (web/db/sessions.ts).
 * Guests keep one long-lived token and no family, as before.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { createSession, lockSession, revokeSession, rotateSession } from "../db/sessions.ts";
import type { Account } from "./accounts/user_queries.ts";
import { findAccount } from "./accounts/user_queries.ts";
import type { AppEnv, SessionUser } from "./app_env.ts";
import { HttpError } from "./errors.ts";

/** Name of the session (access token) cookie. */
export const SESSION_COOKIE = "bs_session";
/** Name of the refresh token cookie. */
export const REFRESH_COOKIE = "bs_refresh";
/** Guest session lifetime [seconds] (30 days). */
export const SESSION_TTL_SEC = 30 * 24 * 3600;
/** Account access token lifetime [seconds] (15 minutes): how long a revoked session may still be used. */
export const ACCESS_TTL_SEC = 15 * 60;
/** Refresh token (session family) lifetime [seconds] (30 days). */
export const REFRESH_TTL_SEC = 30 * 24 * 3600;
/** How long the refresh token just rotated away is still accepted [seconds], for a browser's parallel requests. */
export const ROTATION_GRACE_SEC = 20;

const claimsSchema = z.object({
  sub: z.string().uuid(),
  name: z.string(),
  role: z.string(),
  guest: z.boolean(),
  scopes: z.array(z.string()).default([]),
  ev: z.boolean().default(false),
  plan: z.enum(["free", "pro"]).default("free"),
  sid: z.string().uuid().optional(),
});

const refreshSchema = z.object({ typ: z.literal("refresh"), sid: z.string().uuid(), jti: z.string().uuid() });

const key = (secret: string) => new TextEncoder().encode(secret);

/** A session user where the account fields may be left out (guests: no scopes, unverified, free plan). */
export type SessionUserInput = Omit<SessionUser, "scopes" | "emailVerified" | "plan"> & Partial<SessionUser>;

/** Signs an access token for `user`, valid `ttlSec` [seconds] (default {@link SESSION_TTL_SEC}, for guests). */
export function signSession(user: SessionUserInput, secret: string, ttlSec = SESSION_TTL_SEC): Promise<string> {
  const claims = {
    name: user.displayName,
    role: user.role,
    guest: user.isGuest,
    scopes: user.scopes ?? [],
    ev: user.emailVerified ?? false,
    plan: user.plan ?? "free",
    ...(user.sessionId ? { sid: user.sessionId } : {}),
  };
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(user.id).setIssuedAt()
    .setExpirationTime(`${ttlSec}s`).sign(key(secret));
}

/** The user a token describes, or null when it is missing, forged, expired or malformed. */
export async function verifySession(token: string | undefined, secret: string): Promise<SessionUser | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"] });
    const c = claimsSchema.parse(payload);
    const user: SessionUser = {
      id: c.sub,
      displayName: c.name,
      role: c.role,
      isGuest: c.guest,
      scopes: c.scopes,
      emailVerified: c.ev,
      plan: c.plan,
    };
    if (c.sid) user.sessionId = c.sid;
    return user;
  } catch {
    return null;
  }
}

/** The session user of a guest row. */
export function guestSessionUser(row: { id: string; displayName: string | null; role: string }): SessionUser {
  return { id: row.id, displayName: row.displayName ?? "Guest", role: row.role, isGuest: true, ...NO_ACCOUNT };
}
const NO_ACCOUNT = { scopes: [], emailVerified: false, plan: "free" } as const satisfies Partial<SessionUser>;

/** The session user of an account row within family `sessionId`. */
export function accountSessionUser(a: Account, sessionId?: string): SessionUser {
  const user: SessionUser = {
    id: a.id,
    displayName: a.displayName,
    role: a.role,
    isGuest: a.isGuest,
    scopes: [...a.scopes],
    emailVerified: a.emailVerifiedAt !== null,
    plan: a.plan,
  };
  if (sessionId) user.sessionId = sessionId;
  return user;
}

function cookieOptions(c: Context<AppEnv>, maxAge: number) {
  const secure = c.var.deps.config.publicUrl.startsWith("https:");
  return { httpOnly: true, sameSite: "Lax" as const, secure, path: "/", maxAge };
}

/** Sets the session cookie (HttpOnly, SameSite=Lax; Secure when the public URL is https). */
export function setSessionCookie(c: Context<AppEnv>, token: string, maxAgeSec = SESSION_TTL_SEC): void {
  setCookie(c, SESSION_COOKIE, token, cookieOptions(c, maxAgeSec));
}

function signRefresh(sid: string, jti: string, secret: string): Promise<string> {
  return new SignJWT({ typ: "refresh", sid }).setProtectedHeader({ alg: "HS256" }).setJti(jti).setIssuedAt()
    .setExpirationTime(`${REFRESH_TTL_SEC}s`).sign(key(secret));
}

async function setAccountCookies(c: Context<AppEnv>, user: SessionUser, refresh?: { sid: string; jti: string }) {
  const secret = c.var.deps.config.sessionSecret;
  // The access cookie outlives its token so an expired token still reaches us and triggers a refresh.
  setSessionCookie(c, await signSession(user, secret, ACCESS_TTL_SEC), REFRESH_TTL_SEC);
  if (refresh) {
    setCookie(
      c,
      REFRESH_COOKIE,
      await signRefresh(refresh.sid, refresh.jti, secret),
      cookieOptions(c, REFRESH_TTL_SEC),
    );
  }
}

/** Signs `account` in: starts a session family, sets both cookies and `c.var.user`. */
export async function startSession(c: Context<AppEnv>, account: Account): Promise<SessionUser> {
  const jti = crypto.randomUUID();
  const row = await createSession(c.var.deps.sql, {
    userId: account.id,
    jti,
    ttlSec: REFRESH_TTL_SEC,
    userAgent: c.req.header("user-agent"),
  });
  const user = accountSessionUser(account, row.id);
  await setAccountCookies(c, user, { sid: row.id, jti });
  c.set("user", user);
  return user;
}

/** Re-signs the visitor's access cookie from `account` (same session family), e.g. after a rename. */
export async function refreshSessionUser(c: Context<AppEnv>, account: Account): Promise<void> {
  const user = accountSessionUser(account, c.var.user?.sessionId);
  await setAccountCookies(c, user);
  c.set("user", user);
}

/** Signs the visitor out: revokes their session family (when they have one) and clears both cookies. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const secret = c.var.deps.config.sessionSecret;
  const sid = c.var.user?.sessionId ?? (await readRefresh(getCookie(c, REFRESH_COOKIE), secret))?.sid;
  if (sid) await revokeSession(c.var.deps.sql, sid, "signed out");
  clearSessionCookies(c);
  c.set("user", null);
}

/** Removes both session cookies. */
export function clearSessionCookies(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
  deleteCookie(c, REFRESH_COOKIE, { path: "/" });
}

async function readRefresh(token: string | undefined, secret: string) {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"] });
    return refreshSchema.parse(payload);
  } catch {
    return null;
  }
}

/**
 * Rotates the refresh token in `bs_refresh`: the current one yields a new access + refresh pair; the one rotated
 * away less than {@link ROTATION_GRACE_SEC} ago yields an access token only; any other revokes the family.
 * @returns the refreshed user, or null (and cleared cookies) when the token is not good.
 */
export async function refreshSession(c: Context<AppEnv>, token: string): Promise<SessionUser | null> {
  const { sql, config } = c.var.deps;
  const claims = await readRefresh(token, config.sessionSecret);
  if (!claims) return null;
  const outcome = await sql.begin(async (tx) => {
    const s = await lockSession(tx, claims.sid);
    if (!s || s.revokedAt || s.expiresAt.getTime() < Date.now()) return null;
    const account = await findAccount(tx, s.userId);
    if (!account) return null;
    if (s.currentJti === claims.jti) {
      const next = crypto.randomUUID();
      await rotateSession(tx, s.id, claims.jti, next);
      return { account, sid: s.id, next };
    }
    const graceEnd = (s.rotatedAt?.getTime() ?? 0) + ROTATION_GRACE_SEC * 1000;
    if (s.previousJti === claims.jti && Date.now() < graceEnd) return { account, sid: s.id, next: null };
    await revokeSession(tx, s.id, "refresh token reused");
    c.var.deps.log.warn("refresh token reuse; session family revoked", { sessionId: s.id, userId: s.userId });
    return null;
  });
  if (!outcome) return null;
  const user = accountSessionUser(outcome.account, outcome.sid);
  await setAccountCookies(c, user, outcome.next ? { sid: outcome.sid, jti: outcome.next } : undefined);
  return user;
}

const authenticated = new WeakSet<Request>();

/**
 * Reads the session from the Bearer header or the cookies into `c.var.user` (null when absent or invalid). Cookie
 * sessions whose access token expired are refreshed here. Runs once per request even when mounted twice.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    // Mounted app-wide and again by sub-apps: a second run would rotate the refresh token a second time.
    if (authenticated.has(c.req.raw)) return await next();
    authenticated.add(c.req.raw);
    const secret = c.var.deps.config.sessionSecret;
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (bearer) {
      c.set("user", await verifySession(bearer, secret));
      return await next();
    }
    let user = await verifySession(getCookie(c, SESSION_COOKIE), secret);
    const refresh = getCookie(c, REFRESH_COOKIE);
    if (!user && refresh) {
      user = await refreshSession(c, refresh);
      if (!user) clearSessionCookies(c);
    }
    c.set("user", user);
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

/**
 * Account flows independent of HTTP: sign-up (optionally turning the current guest into the account), password
 * sign-in with a per email+IP rate limit, email verification and password reset by single-use hashed tokens.
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { z } from "zod";
import { consumeEmailToken, expireEmailTokens, insertEmailToken } from "../../db/email_tokens.ts";
import { revokeUserSessions } from "../../db/sessions.ts";
import type { AppDeps } from "../app_env.ts";
import { HttpError } from "../errors.ts";
import { mailerFor } from "../mailer.ts";
import { resetMail, verificationMail } from "./emails.ts";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, needsRehash, verifyPassword } from "./password.ts";
import { hashToken, randomToken } from "./tokens.ts";
import {
  type Account,
  createAccount,
  findAccount,
  findAccountByEmail,
  markEmailVerified,
  mergeGuestInto,
  setPasswordHash,
  setScopes,
} from "./user_queries.ts";

/** Verification link lifetime [seconds] (24 h). */
export const VERIFY_TTL_SEC = 24 * 3600;
/** Password reset link lifetime [seconds] (1 h). */
export const RESET_TTL_SEC = 3600;
/** The one message for every failed password sign-in, so it never tells which emails have accounts. */
export const WRONG_CREDENTIALS = "The email or password is wrong.";

/** Email as typed, trimmed; checked for shape. */
export const emailSchema = z.string().trim().min(3).max(254).email("must be an email address like you@example.com");
/** A new password. */
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
/** The name shown on maps, edits and the leaderboard. */
export const displayNameSchema = z.string().trim().min(1, "is required").max(60, "must be at most 60 characters");
/** A sign-up form. */
export const signUpSchema = z.object({ email: emailSchema, password: passwordSchema, displayName: displayNameSchema });

/** Sends a fresh verification link to `account`'s email. */
export async function sendVerification(deps: AppDeps, account: Account): Promise<void> {
  if (!account.email) return;
  const link = await issueLink(deps, account, "verify_email", VERIFY_TTL_SEC, "/verify-email");
  await mailerFor(deps.config).send(verificationMail(account.email, account.displayName, link, VERIFY_TTL_SEC / 3600));
}

async function issueLink(
  deps: AppDeps,
  account: Account,
  purpose: "verify_email" | "reset_password",
  ttlSec: number,
  path: string,
): Promise<string> {
  const token = randomToken();
  await insertEmailToken(deps.sql, {
    userId: account.id,
    purpose,
    tokenHash: await hashToken(token),
    email: account.email!,
    ttlSec,
  });
  return `${deps.config.publicUrl}${path}?token=${encodeURIComponent(token)}`;
}

/**
 * Creates an account and mails the verification link. A guest signing up becomes the account (keeps their songs).
 * @throws HttpError 409 when the email already has an account.
 */
export async function signUp(
  deps: AppDeps,
  input: z.infer<typeof signUpSchema>,
  guestId?: string,
): Promise<Account> {
  const passwordHash = await hashPassword(input.password);
  const account = await createAccount(
    deps.sql,
    { email: input.email, displayName: input.displayName, passwordHash, emailVerified: false },
    guestId,
  );
  if (!account) {
    throw new HttpError(409, "An account with this email already exists.", {
      hint: "Sign in instead, or reset the password if you forgot it.",
    });
  }
  await sendVerification(deps, account);
  return account;
}

const limiters = new WeakMap<Redis, Ratelimit>();

function signInLimiter(redis: Redis, per15Min: number): Ratelimit {
  let limiter = limiters.get(redis);
  if (!limiter) {
    limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(per15Min, "15 m"),
      prefix: "beatsight:rl:signin",
    });
    limiters.set(redis, limiter);
  }
  return limiter;
}

/**
 * Checks a password sign-in. Attempts are limited per email and IP (429 with Retry-After past the limit); a wrong
 * email and a wrong password give the same 401 message. A guest signing in hands their songs to the account.
 */
export async function signInWithPassword(
  deps: AppDeps,
  input: { email: string; password: string; ip: string },
  guestId?: string,
): Promise<Account> {
  const key = `${input.email.trim().toLowerCase()}|${input.ip}`;
  const limit = await signInLimiter(deps.redis, deps.config.signinAttemptsPer15Min).limit(key);
  if (!limit.success) {
    const retryAfter = Math.max(1, Math.ceil((limit.reset - Date.now()) / 1000));
    throw new HttpError(429, "Too many sign-in attempts for this email.", {
      hint: `Wait ${Math.ceil(retryAfter / 60)} minutes, or reset your password.`,
      headers: { "retry-after": String(retryAfter) },
    });
  }
  const account = await findAccountByEmail(deps.sql, input.email.trim());
  const ok = await verifyPassword(input.password, account?.passwordHash ?? null);
  if (!account || !ok) throw new HttpError(401, WRONG_CREDENTIALS);
  if (needsRehash(account.passwordHash!)) {
    await setPasswordHash(deps.sql, account.id, await hashPassword(input.password));
  }
  if (guestId) await mergeGuestInto(deps.sql, guestId, account.id);
  return account;
}

/**
 * Uses a verification token once: marks the email verified (and grants admin to ADMIN_EMAILS).
 * @returns the account, or null when the link is unknown, used or expired.
 */
export async function verifyEmail(deps: AppDeps, token: string): Promise<Account | null> {
  const userId = await consumeEmailToken(deps.sql, "verify_email", await hashToken(token));
  if (!userId) return null;
  await markEmailVerified(deps.sql, userId);
  return await grantConfiguredAdmin(deps, await findAccount(deps.sql, userId));
}

/** Adds the admin scope when `account`'s verified email is listed in ADMIN_EMAILS. */
export async function grantConfiguredAdmin(deps: AppDeps, account: Account | null): Promise<Account | null> {
  if (!account?.email || !account.emailVerifiedAt || account.scopes.includes("admin")) return account;
  if (!deps.config.adminEmails.includes(account.email.toLowerCase())) return account;
  return await setScopes(deps.sql, account.id, [...account.scopes, "admin"]);
}

/** Mails a reset link when `email` has an account; says nothing either way (no account enumeration). */
export async function requestPasswordReset(deps: AppDeps, email: string): Promise<void> {
  const account = await findAccountByEmail(deps.sql, email.trim());
  if (!account?.email) return;
  const link = await issueLink(deps, account, "reset_password", RESET_TTL_SEC, "/reset-password");
  await mailerFor(deps.config).send(resetMail(account.email, link, RESET_TTL_SEC / 60));
}

/**
 * Sets a new password with a reset token (once), signs out every session of the account and voids other reset
 * links. The email counts as verified: the person just proved they read it.
 * @returns the account, or null when the link is unknown, used or expired.
 */
export async function resetPassword(deps: AppDeps, token: string, password: string): Promise<Account | null> {
  const userId = await consumeEmailToken(deps.sql, "reset_password", await hashToken(token));
  if (!userId) return null;
  await setPasswordHash(deps.sql, userId, await hashPassword(password));
  await markEmailVerified(deps.sql, userId);
  await expireEmailTokens(deps.sql, userId, "reset_password");
  await revokeUserSessions(deps.sql, userId, "password reset");
  return await findAccount(deps.sql, userId);
}

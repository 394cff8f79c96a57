/** Queries on `email_tokens`: hashed, single-use, expiring tokens for email verification and password reset. */
import type { Db } from "./db_types.ts";

/** What a token is for. */
export type EmailTokenPurpose = "verify_email" | "reset_password";

/** Stores the hash of a new token for `userId`, valid `ttlSec` [seconds]. */
export async function insertEmailToken(
  db: Db,
  t: { userId: string; purpose: EmailTokenPurpose; tokenHash: string; email: string; ttlSec: number },
): Promise<void> {
  await db`insert into email_tokens (user_id, purpose, token_hash, email, expires_at)
    values (${t.userId}, ${t.purpose}, ${t.tokenHash}, ${t.email}, now() + ${t.ttlSec} * interval '1 second')`;
}

/**
 * Uses the token with `tokenHash` once: atomically marks it used when it exists, has `purpose`, is unused and
 * unexpired, and its email is still the user's. Returns the user id, or null for any other case.
 */
export async function consumeEmailToken(db: Db, purpose: EmailTokenPurpose, tokenHash: string): Promise<string | null> {
  const [row] = await db`update email_tokens t set used_at = now()
    from users u
    where t.token_hash = ${tokenHash} and t.purpose = ${purpose} and t.used_at is null and t.expires_at > now()
      and u.id = t.user_id and lower(u.email) = lower(t.email)
    returning t.user_id`;
  return row ? row.user_id : null;
}

/** True when an unused, unexpired token with `tokenHash` and `purpose` exists (to show the reset form). */
export async function emailTokenIsLive(db: Db, purpose: EmailTokenPurpose, tokenHash: string): Promise<boolean> {
  const [row] = await db`select 1 from email_tokens where token_hash = ${tokenHash} and purpose = ${purpose}
    and used_at is null and expires_at > now()`;
  return Boolean(row);
}

/** Invalidates the other live tokens of `userId` for `purpose` (after a reset, older links must stop working). */
export async function expireEmailTokens(db: Db, userId: string, purpose: EmailTokenPurpose): Promise<void> {
  await db`update email_tokens set used_at = now() where user_id = ${userId} and purpose = ${purpose}
    and used_at is null`;
}

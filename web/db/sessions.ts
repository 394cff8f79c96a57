/** Queries on `sessions`: refresh-token families (one per sign-in) with rotation, reuse detection and revocation. */
import type { Db } from "./db_types.ts";

/** A refresh-token family. */
export interface SessionRow {
  id: string;
  userId: string;
  currentJti: string;
  previousJti: string | null;
  rotatedAt: Date | null;
  expiresAt: Date;
  revokedAt: Date | null;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toSession(r: any): SessionRow {
  return {
    id: r.id,
    userId: r.user_id,
    currentJti: r.current_jti,
    previousJti: r.previous_jti,
    rotatedAt: r.rotated_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/** Starts a family for `userId` whose first refresh token id is `jti`, valid `ttlSec` [seconds]. */
export async function createSession(
  db: Db,
  s: { userId: string; jti: string; ttlSec: number; userAgent?: string },
): Promise<SessionRow> {
  const [row] = await db`insert into sessions (user_id, current_jti, user_agent, expires_at)
    values (${s.userId}, ${s.jti}, ${s.userAgent?.slice(0, 300) ?? null}, now() + ${s.ttlSec} * interval '1 second')
    returning *`;
  return toSession(row);
}

/** The family `id`, locked for the rest of the transaction `db` (rotation must not race itself). */
export async function lockSession(db: Db, id: string): Promise<SessionRow | null> {
  const [row] = await db`select * from sessions where id = ${id} for update`;
  return row ? toSession(row) : null;
}

/** Makes `nextJti` the family's current token; the old one is kept as `previous_jti` for the race grace period. */
export async function rotateSession(db: Db, id: string, fromJti: string, nextJti: string): Promise<boolean> {
  const rows = await db`update sessions set previous_jti = current_jti, current_jti = ${nextJti},
      rotated_at = now(), last_used_at = now()
    where id = ${id} and current_jti = ${fromJti} and revoked_at is null returning id`;
  return rows.length === 1;
}

/** Revokes family `id` with `reason` (sign-out, reuse, ...). */
export async function revokeSession(db: Db, id: string, reason: string): Promise<void> {
  await db`update sessions set revoked_at = now(), revoked_reason = ${reason} where id = ${id} and revoked_at is null`;
}

/** Revokes every live family of `userId`; returns how many. */
export async function revokeUserSessions(db: Db, userId: string, reason: string): Promise<number> {
  const rows = await db`update sessions set revoked_at = now(), revoked_reason = ${reason}
    where user_id = ${userId} and revoked_at is null returning id`;
  return rows.length;
}

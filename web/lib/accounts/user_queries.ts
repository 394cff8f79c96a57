/** Queries on `users` for accounts: lookup by email, creation, passwords, verification, scopes and guest merges. */
import type { Db } from "../../db/db_types.ts";

/** The scopes (roles) a user can hold. */
export const SCOPES = ["fixer", "verifier", "curator", "admin"] as const;
/** One scope. */
export type Scope = (typeof SCOPES)[number];
/** Subscription plans. */
export type Plan = "free" | "pro";

/** A user row with the account columns. */
export interface Account {
  id: string;
  email: string | null;
  displayName: string;
  role: string;
  isGuest: boolean;
  passwordHash: string | null;
  emailVerifiedAt: Date | null;
  scopes: Scope[];
  plan: Plan;
  createdAt: Date;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toAccount(r: any): Account {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name ?? "Drummer",
    role: r.role,
    isGuest: r.is_guest,
    passwordHash: r.password_hash,
    emailVerifiedAt: r.email_verified_at,
    scopes: r.scopes ?? [],
    plan: r.plan,
    createdAt: r.created_at,
  };
}

/** The user with `id`, or null. */
export async function findAccount(db: Db, id: string): Promise<Account | null> {
  const [row] = await db`select * from users where id = ${id}`;
  return row ? toAccount(row) : null;
}

/** Renames the (non-guest) account `id`; null when there is no such account. */
export async function renameAccount(db: Db, id: string, displayName: string): Promise<Account | null> {
  const [row] = await db`update users set display_name = ${displayName}
    where id = ${id} and not is_guest returning *`;
  return row ? toAccount(row) : null;
}

/** The user whose email matches `email` ignoring case, or null. */
export async function findAccountByEmail(db: Db, email: string): Promise<Account | null> {
  const [row] = await db`select * from users where lower(email) = lower(${email})`;
  return row ? toAccount(row) : null;
}

/** Fields of a new (non-guest) account. */
export interface NewAccount {
  /** null for a provider login that shared no email. */
  email: string | null;
  displayName: string;
  passwordHash: string | null;
  emailVerified: boolean;
}

/**
 * Creates an account, or turns guest `guestId` into it in place (so the guest's uploads and jobs stay theirs).
 * @returns null when the email is taken (case-insensitively).
 */
export async function createAccount(db: Db, a: NewAccount, guestId?: string): Promise<Account | null> {
  const verifiedAt = a.emailVerified ? new Date() : null;
  try {
    const rows = guestId
      ? await db`update users set email = ${a.email}, display_name = ${a.displayName},
          password_hash = ${a.passwordHash}, email_verified_at = ${verifiedAt}, is_guest = false
          where id = ${guestId} and is_guest returning *`
      : [];
    if (rows.length) return toAccount(rows[0]);
    const [row] = await db`insert into users (email, display_name, password_hash, email_verified_at, is_guest)
      values (${a.email}, ${a.displayName}, ${a.passwordHash}, ${verifiedAt}, false) returning *`;
    return toAccount(row);
  } catch (error) {
    if ((error as { code?: string }).code === "23505") return null;
    throw error;
  }
}

/** Marks the email of `userId` verified (keeps the first verification time). */
export async function markEmailVerified(db: Db, userId: string): Promise<void> {
  await db`update users set email_verified_at = coalesce(email_verified_at, now()) where id = ${userId}`;
}

/** Replaces the password hash of `userId`. */
export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db`update users set password_hash = ${passwordHash} where id = ${userId}`;
}

/** Replaces the scopes of `userId`; returns the updated account or null when there is no such user. */
export async function setScopes(db: Db, userId: string, scopes: Scope[]): Promise<Account | null> {
  const [row] = await db`update users set scopes = ${db.array([...new Set(scopes)])}::text[]
    where id = ${userId} and not is_guest returning *`;
  return row ? toAccount(row) : null;
}

/** Registered users, newest first, `limit` per page after the `before` creation time. */
export async function listAccounts(db: Db, opts: { limit: number; before?: Date }): Promise<Account[]> {
  const rows = opts.before
    ? await db`select * from users where not is_guest and created_at < ${opts.before}
        order by created_at desc limit ${opts.limit}`
    : await db`select * from users where not is_guest order by created_at desc limit ${opts.limit}`;
  return rows.map(toAccount);
}

/**
 * Moves what guest `guestId` made (uploads, songs, jobs, AI runs, saved maps, notifications) to `userId`, for a
 * guest who signs in to an existing account. The guest row stays (other tables may point at it) but owns nothing
 * afterwards.
 */
export async function mergeGuestInto(db: Db, guestId: string, userId: string): Promise<void> {
  if (guestId === userId) return;
  await db`update uploads set user_id = ${userId} where user_id = ${guestId}
    and exists (select 1 from users where id = ${guestId} and is_guest)`;
  await db`update songs set owner_id = ${userId} where owner_id = ${guestId}
    and exists (select 1 from users where id = ${guestId} and is_guest)`;
  await db`update ai_jobs set user_id = ${userId} where user_id = ${guestId}
    and exists (select 1 from users where id = ${guestId} and is_guest)`;
  // The guest's AI runs count against the account (signing in must not reset a month's quota), and their library
  // (saved maps, notifications) comes along; a map both had saved stays saved once.
  await db`update ai_run_ledger set user_id = ${userId} where user_id = ${guestId}
    and exists (select 1 from users where id = ${guestId} and is_guest)`;
  await db`update notifications set user_id = ${userId} where user_id = ${guestId}
    and exists (select 1 from users where id = ${guestId} and is_guest)`;
  await db`insert into saved_maps (user_id, map_id, created_at)
    select ${userId}, map_id, created_at from saved_maps
    where user_id = ${guestId} and exists (select 1 from users where id = ${guestId} and is_guest)
    on conflict do nothing`;
  await db`delete from saved_maps where user_id = ${guestId}
    and exists (select 1 from users where id = ${guestId} and is_guest)`;
}

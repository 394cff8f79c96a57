/** Queries on `identities`: OpenID Connect accounts (issuer + subject) linked to users. */
import type { Db } from "./db_types.ts";

/** The user linked to (`issuer`, `subject`), or null; touches `last_login_at`. */
export async function findIdentityUser(db: Db, issuer: string, subject: string): Promise<string | null> {
  const [row] = await db`update identities set last_login_at = now()
    where issuer = ${issuer} and subject = ${subject} returning user_id`;
  return row ? row.user_id : null;
}

/** Links (`issuer`, `subject`) to `userId`; a link that already exists is kept as it is. */
export async function linkIdentity(
  db: Db,
  i: { userId: string; issuer: string; subject: string; email: string | null },
): Promise<void> {
  await db`insert into identities (user_id, issuer, subject, email)
    values (${i.userId}, ${i.issuer}, ${i.subject}, ${i.email}) on conflict (issuer, subject) do nothing`;
}

/** Queries on `users`. */
import type { Db } from "./db_types.ts";

/** A user row as the app sees it. */
export interface User {
  id: string;
  email: string | null;
  displayName: string | null;
  role: string;
  isGuest: boolean;
  createdAt: Date;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toUser(r: any): User {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    isGuest: r.is_guest,
    createdAt: r.created_at,
  };
}

/** Creates a guest user (no email) named `displayName`. */
export async function createGuestUser(db: Db, displayName: string): Promise<User> {
  const [row] = await db`insert into users (display_name, is_guest) values (${displayName}, true) returning *`;
  return toUser(row);
}

/** The user with `id`, or null. */
export async function findUser(db: Db, id: string): Promise<User | null> {
  const [row] = await db`select * from users where id = ${id}`;
  return row ? toUser(row) : null;
}

/** Queries on `notifications`. Reads and updates are scoped to the user, so others' ids look missing. */
import type { Db } from "./db_types.ts";

export type NotificationKind = "job_succeeded" | "job_failed";

/** A notification row. */
export interface Notification {
  id: string;
  userId: string;
  kind: NotificationKind;
  jobId: string | null;
  message: string;
  /** Site path the notification links to. */
  url: string;
  readAt: Date | null;
  createdAt: Date;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toNotification(r: any): Notification {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    jobId: r.job_id,
    message: r.message,
    url: r.url,
    readAt: r.read_at,
    createdAt: r.created_at,
  };
}

/** Fields of a new notification. */
export interface NewNotification {
  userId: string;
  kind: NotificationKind;
  jobId: string;
  message: string;
  url: string;
}

/** Inserts a notification; a second one of the same kind for the same job is ignored. */
export async function insertNotification(db: Db, n: NewNotification): Promise<void> {
  await db`insert into notifications (user_id, kind, job_id, message, url)
    values (${n.userId}, ${n.kind}, ${n.jobId}, ${n.message.slice(0, 1000)}, ${n.url})
    on conflict (job_id, kind) do nothing`;
}

/** The user's newest notifications, at most `limit`. */
export async function listNotifications(db: Db, userId: string, limit: number): Promise<Notification[]> {
  const rows = await db`select * from notifications where user_id = ${userId}
    order by created_at desc, id desc limit ${limit}`;
  return rows.map(toNotification);
}

/** Unread notifications of the user. */
export async function countUnread(db: Db, userId: string): Promise<number> {
  const [row] = await db`select count(*)::int as n from notifications where user_id = ${userId} and read_at is null`;
  return row.n;
}

/** Marks the given notifications (or all, when `ids` is omitted) of the user read; returns how many changed. */
export async function markRead(db: Db, userId: string, ids?: string[]): Promise<number> {
  const rows = await db`update notifications set read_at = now()
    where user_id = ${userId} and read_at is null ${ids ? db`and id = any(${ids}::uuid[])` : db``}
    returning id`;
  return rows.length;
}

/** Queries on `uploads`. Every read is scoped to the owner so other users' ids look like missing rows. */
import type { Db } from "./db_types.ts";

export type UploadStatus = "pending" | "uploaded" | "rejected";

/** An upload row. */
export interface Upload {
  id: string;
  userId: string;
  s3Key: string;
  filename: string | null;
  contentType: string | null;
  /** [bytes] as declared by the browser, then as measured on S3 once registered. */
  sizeBytes: number | null;
  status: UploadStatus;
  rejectReason: string | null;
  createdAt: Date;
}

// deno-lint-ignore no-explicit-any -- postgres.js rows are untyped records
function toUpload(r: any): Upload {
  return {
    id: r.id,
    userId: r.user_id,
    s3Key: r.s3_key,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    status: r.status,
    rejectReason: r.reject_reason,
    createdAt: r.created_at,
  };
}

/** Fields of a new upload; `id` is chosen by the caller because it is part of the S3 key. */
export interface NewUpload {
  id: string;
  userId: string;
  s3Key: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
}

/** Inserts a pending upload. */
export async function insertUpload(db: Db, u: NewUpload): Promise<Upload> {
  const [row] = await db`
    insert into uploads (id, user_id, s3_key, filename, content_type, size_bytes, status)
    values (${u.id}, ${u.userId}, ${u.s3Key}, ${u.filename}, ${u.contentType}, ${u.sizeBytes}, 'pending')
    returning *`;
  return toUpload(row);
}

/** The upload `id` if `userId` owns it, else null. */
export async function findUserUpload(db: Db, userId: string, id: string): Promise<Upload | null> {
  const [row] = await db`select * from uploads where id = ${id} and user_id = ${userId}`;
  return row ? toUpload(row) : null;
}

/** Marks an upload uploaded with its measured size [bytes]. */
export async function markUploaded(db: Db, id: string, sizeBytes: number): Promise<void> {
  await db`update uploads set status = 'uploaded', size_bytes = ${sizeBytes}, reject_reason = null where id = ${id}`;
}

/** Marks an upload rejected with a reason a person can read. */
export async function markRejected(db: Db, id: string, reason: string): Promise<void> {
  await db`update uploads set status = 'rejected', reject_reason = ${reason} where id = ${id}`;
}

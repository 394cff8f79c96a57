/**
 * S3 access for the web: presigned URLs for the browser, plus the few server-side reads intake needs. Works with
 * AWS S3, Tigris and s3rver (path-style when a custom endpoint is set).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { WebConfig } from "./config.ts";

/** How long presigned URLs stay valid [seconds] (15 minutes). */
export const PRESIGN_EXPIRES_SEC = 900;

/** Builds the S3 client from config; path-style addressing when `s3Endpoint` is set (s3rver, Tigris). */
export function createS3Client(
  config: Pick<WebConfig, "s3Endpoint" | "s3Region" | "awsAccessKeyId" | "awsSecretAccessKey">,
): S3Client {
  const credentials = config.awsAccessKeyId && config.awsSecretAccessKey
    ? { accessKeyId: config.awsAccessKeyId, secretAccessKey: config.awsSecretAccessKey }
    : undefined;
  return new S3Client({
    region: config.s3Region,
    endpoint: config.s3Endpoint,
    forcePathStyle: Boolean(config.s3Endpoint),
    credentials,
  });
}

/** A presigned PUT the browser uploads to; it must send exactly `contentType`. */
export function presignPut(
  s3: S3Client,
  bucket: string,
  key: string,
  contentType: string,
  expiresIn = PRESIGN_EXPIRES_SEC,
): Promise<string> {
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }), { expiresIn });
}

/** A presigned GET for `key` valid `expiresIn` [seconds]. */
export function presignGet(
  s3: S3Client,
  bucket: string,
  key: string,
  expiresIn = PRESIGN_EXPIRES_SEC,
): Promise<string> {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}

/** Size [bytes] and type of an object, or null when it does not exist. */
export async function headObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ size: number; contentType?: string } | null> {
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: out.ContentLength ?? 0, contentType: out.ContentType };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Reads bytes `start..end` (inclusive) of an object, or the whole object when `end` is omitted. */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
  start = 0,
  end?: number,
): Promise<Uint8Array> {
  const range = end === undefined ? (start > 0 ? `bytes=${start}-` : undefined) : `bytes=${start}-${end}`;
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  if (!out.Body) return new Uint8Array();
  return await out.Body.transformToByteArray();
}

/** Reads and parses a JSON object, or null when the key does not exist. */
export async function getJson(s3: S3Client, bucket: string, key: string): Promise<unknown | null> {
  try {
    const bytes = await readObject(s3, bucket, key);
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Deletes an object (no error when it is already gone). */
export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Throws unless the bucket exists and is reachable (readiness probe). */
export async function headBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new HeadBucketCommand({ Bucket: bucket }));
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

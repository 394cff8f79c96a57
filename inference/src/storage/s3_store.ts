/**
 * `ArtifactStore` over S3 with the real `@aws-sdk/client-s3` (AWS S3 / Tigris in production, s3rver locally).
 * A custom `S3_ENDPOINT` means an S3-compatible server addressed path-style (`http://host:port/bucket/key`).
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { ArtifactStore } from "../pipeline/types.ts";
import { ArtifactNotFoundError } from "./memory_store.ts";

export interface S3StoreOptions {
  bucket: string;
  /** Default "us-east-1". */
  region?: string;
  /** S3-compatible endpoint (S3_ENDPOINT); turns on path-style addressing. */
  endpoint?: string;
  /** Static credentials; when absent the SDK's default chain (env, profile, instance role) is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** A ready client (tests, shared pools); the other connection options are then ignored. */
  client?: S3Client;
}

/** Builds the S3 client the options describe. */
export function createS3Client(
  options: Omit<S3StoreOptions, "bucket" | "client">,
): S3Client {
  const credentials = options.accessKeyId && options.secretAccessKey
    ? {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
    }
    : undefined;
  return new S3Client({
    region: options.region ?? "us-east-1",
    endpoint: options.endpoint,
    forcePathStyle: Boolean(options.endpoint),
    credentials,
    // S3-compatible servers (s3rver, older MinIO) do not all understand the SDK's default flexible checksums.
    ...(options.endpoint
      ? {
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }
      : {}),
  });
}

/** Stage artifacts as S3 objects in one bucket; keys are used as given. */
export class S3Store implements ArtifactStore {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client ?? createS3Client(options);
  }

  async put(
    key: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      if (!out.Body) throw new Error(`S3 returned no body for "${key}"`);
      return await out.Body.transformToByteArray();
    } catch (err) {
      // Only NoSuchKey: a 404 NoSuchBucket is a configuration error and must not read as "artifact missing".
      if (
        err instanceof NoSuchKey ||
        (err as { name?: unknown })?.name === "NoSuchKey"
      ) throw new ArtifactNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return true;
    } catch (err) {
      // HEAD has no body, so a missing object surfaces as a bare 404 (NotFound), never as NoSuchKey.
      if (err instanceof NotFound || isStatus(err, 404)) return false;
      throw err;
    }
  }
}

function isStatus(err: unknown, status: number): boolean {
  return err instanceof S3ServiceException &&
    err.$metadata?.httpStatusCode === status;
}

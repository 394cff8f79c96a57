/**
 * A local S3 for development and tests: s3rver (path-style) with the app's bucket created and a CORS rule that
 * lets the browser PUT (presigned upload) and GET from any origin, so `@aws-sdk/client-s3` and presigned URLs work
 * unchanged. Use the access key `S3RVER` / secret `S3RVER`; under Deno s3rver does not reject bad SigV4 signatures,
 * so request signing is not tested by it.
 */
import S3rver from "s3rver";

/** Options of {@link startS3}. */
export interface S3Options {
  /** Port on 127.0.0.1; 0 picks a free port. Default 0. */
  port?: number;
  /** Where objects are stored; kept across restarts. */
  directory: string;
  /** Bucket created at start (e.g. `beatsight`). */
  bucket: string;
}

/** A running s3rver. */
export interface LocalS3 {
  /** For `S3_ENDPOINT`, e.g. `http://127.0.0.1:9000` (use path-style addressing). */
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}

/** Access key and secret s3rver accepts (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** Browser uploads go straight to S3 with a presigned PUT, so the bucket must answer CORS preflights. */
const CORS_XML = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** Starts s3rver on 127.0.0.1 with `bucket` and its CORS rule. */
export async function startS3(options: S3Options): Promise<LocalS3> {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
    throw new Error(`S3 stand-in: "${options.bucket}" is not a valid bucket name`);
  }
  await Deno.mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    // Path-style only: virtual-host parsing would treat "127.0.0.1" labels as bucket names.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [CORS_XML] }],
  });
  const { port } = await server.run() as { address: string; port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: options.bucket,
    close: () => server.close(),
  };
}

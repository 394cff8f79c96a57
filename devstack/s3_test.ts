import assert from "node:assert/strict";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { S3RVER_CREDENTIALS, startS3 } from "./s3.ts";

async function withS3(fn: (client: S3Client, bucket: string, endpoint: string) => Promise<void>) {
  const directory = await Deno.makeTempDir({ prefix: "s3rver-test-" });
  const s3 = await startS3({ port: 0, directory, bucket: "beatsight" });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  try {
    await fn(client, s3.bucket, s3.endpoint);
  } finally {
    client.destroy();
    await s3.close();
    await Deno.remove(directory, { recursive: true });
  }
}

Deno.test("s3 stand-in - put/get/head/delete with @aws-sdk/client-s3", async () => {
  await withS3(async (client, Bucket) => {
    const body = new Uint8Array([0, 1, 2, 250, 255]);
    await client.send(
      new PutObjectCommand({ Bucket, Key: "jobs/j1/decode.f32", Body: body, ContentType: "audio/x-raw" }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: "jobs/j1/decode.f32" }));
    assert.equal(head.ContentLength, 5);
    assert.equal(head.ContentType, "audio/x-raw");
    const got = await client.send(new GetObjectCommand({ Bucket, Key: "jobs/j1/decode.f32" }));
    assert.deepEqual(await got.Body!.transformToByteArray(), body);
    await client.send(new DeleteObjectCommand({ Bucket, Key: "jobs/j1/decode.f32" }));
    await assert.rejects(
      () => client.send(new HeadObjectCommand({ Bucket, Key: "jobs/j1/decode.f32" })),
      (err: Error) => err.name === "NotFound",
    );
  });
});

Deno.test("s3 stand-in - presigned PUT with fetch, then CORS preflight allows the browser", async () => {
  await withS3(async (client, Bucket, endpoint) => {
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket, Key: "uploads/song.wav", ContentType: "audio/wav" }),
      { expiresIn: 300 },
    );
    const put = await fetch(url, { method: "PUT", body: "RIFF....WAVE", headers: { "content-type": "audio/wav" } });
    assert.equal(put.status, 200, await put.text());
    const got = await client.send(new GetObjectCommand({ Bucket, Key: "uploads/song.wav" }));
    assert.equal(await got.Body!.transformToString(), "RIFF....WAVE");

    const preflight = await fetch(`${endpoint}/${Bucket}/uploads/other.wav`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:8000",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type",
      },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.status, 200);
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /PUT/);
    assert.ok(["*", "http://localhost:8000"].includes(preflight.headers.get("access-control-allow-origin") ?? ""));
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /content-type/i);
  });
});

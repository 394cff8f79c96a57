import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import S3rver from "s3rver";
import { ArtifactNotFoundError } from "./memory_store.ts";
import { S3Store } from "./s3_store.ts";

describe("s3_store", () => {
  let server: S3rver;
  let dir: string;
  let store: S3Store;
  let endpoint: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "s3rver-"));
    server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "beatsight", configs: [] }],
    });
    const address = (await server.run()) as AddressInfo;
    endpoint = `http://127.0.0.1:${address.port}`;
    store = new S3Store({
      bucket: "beatsight",
      region: "us-east-1",
      endpoint,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
  });

  after(async () => {
    store?.client.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("S3Store - put then get returns the same bytes, and exists reports it", async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const key = "jobs/6f1c1a52/decode.f32";
    assert.equal(await store.exists(key), false);
    await store.put(key, bytes, "application/octet-stream");
    assert.equal(await store.exists(key), true);
    assert.deepEqual(await store.get(key), bytes);
  });

  it("S3Store - a re-put overwrites (stages are idempotent)", async () => {
    await store.put(
      "maps/unverified/s/j.bsm",
      new TextEncoder().encode("first"),
      "application/json",
    );
    await store.put(
      "maps/unverified/s/j.bsm",
      new TextEncoder().encode("second"),
      "application/json",
    );
    assert.equal(
      new TextDecoder().decode(await store.get("maps/unverified/s/j.bsm")),
      "second",
    );
  });

  it("S3Store - get of a missing key throws ArtifactNotFoundError", async () => {
    await assert.rejects(store.get("jobs/nope/beats.json"), (err: unknown) => {
      assert.ok(err instanceof ArtifactNotFoundError);
      assert.equal(err.key, "jobs/nope/beats.json");
      return true;
    });
  });

  it("S3Store - a missing bucket is an error, not a missing artifact", async () => {
    const other = new S3Store({
      bucket: "no-such-bucket",
      endpoint,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    await assert.rejects(
      other.put("k", new Uint8Array([1]), "application/octet-stream"),
      /bucket/i,
    );
    await assert.rejects(
      other.get("k"),
      (err: unknown) => !(err instanceof ArtifactNotFoundError) && /bucket/i.test(String(err)),
    );
    other.client.destroy();
  });
});

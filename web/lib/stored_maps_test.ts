import assert from "node:assert/strict";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { putObject, startHarness } from "./test_harness.ts";
import { StoredMapCache } from "./stored_maps.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const bsm = {
  format: "bsm",
  version: 1,
  durationSec: 2,
  tempo: { bpm: 120, beats: [0.5, 1], downbeats: [0.5] },
  timeSignature: [4, 4],
  notes: [{ time: 0.5, lane: "kick", velocity: 100 }],
};

Deno.test({
  name: "stored maps - validated once per key, damaged files read as null, least recently used evicted",
  ...opts,
  async fn() {
    const h = await startHarness();
    try {
      const { s3, config } = h.deps;
      const enc = new TextEncoder();
      await putObject(h, "maps/a.bsm", enc.encode(JSON.stringify(bsm)), "application/json");
      await putObject(h, "maps/b.bsm", enc.encode(JSON.stringify(bsm)), "application/json");
      await putObject(h, "maps/broken.bsm", enc.encode("{not json"), "application/json");
      await putObject(h, "maps/wrong.bsm", enc.encode(JSON.stringify({ format: "midi" })), "application/json");
      const cache = new StoredMapCache(1);

      const first = await cache.load(s3, config.s3Bucket, "maps/a.bsm");
      assert.equal(first?.tempo.bpm, 120);
      // Served from memory: deleting the object does not change what the cache answers.
      await s3.send(new DeleteObjectCommand({ Bucket: config.s3Bucket, Key: "maps/a.bsm" }));
      assert.equal(await cache.load(s3, config.s3Bucket, "maps/a.bsm"), first);

      assert.equal(await cache.load(s3, config.s3Bucket, "maps/broken.bsm"), null);
      assert.equal(await cache.load(s3, config.s3Bucket, "maps/wrong.bsm"), null);
      assert.equal(await cache.load(s3, config.s3Bucket, "maps/missing.bsm"), null);

      await cache.load(s3, config.s3Bucket, "maps/b.bsm"); // evicts a (capacity 1)
      assert.equal(cache.size, 1);
      assert.equal(await cache.load(s3, config.s3Bucket, "maps/a.bsm"), null, "a was evicted and is gone from S3");
    } finally {
      await h.close();
    }
  },
});

/**
 * The whole spine through separate processes: upload a generated groove -> fingerprint job -> generate_map job ->
 * map in S3 and Postgres -> the API returns it; the SSE stream shows every stage.
 */
import assert from "node:assert/strict";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { bsmSchema } from "../../inference/src/contracts/bsm.ts";
import { STAGES_BY_JOB_TYPE } from "../../inference/src/contracts/stages.ts";
import { renderDrumPattern } from "../../inference/src/testing/synth.ts";
import { guestClient, readJobEvents, uploadSong, waitForJob } from "../../scripts/api_client.ts";
import { startE2eStack } from "./harness.ts";

/** Share of `expected` times that have a detected time within `toleranceSec`. */
function recall(expected: number[], detected: number[], toleranceSec: number): number {
  if (expected.length === 0) return 1;
  const hits = expected.filter((t) => detected.some((d) => Math.abs(d - t) <= toleranceSec)).length;
  return hits / expected.length;
}

Deno.test({
  name: "spine - a generated groove becomes a stored drum map, with every stage on the SSE stream",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startE2eStack("spine");
    try {
      const api = await guestClient(stack.webUrl);
      const groove = renderDrumPattern({ bpm: 120, bars: 8, seed: 11 });
      const { songId, fingerprintJobId } = await uploadSong(api, groove.wav, {
        filename: "groove.wav",
        contentType: "audio/wav",
        title: "Spine groove",
      });

      const fingerprint = await waitForJob(api, fingerprintJobId);
      assert.equal(fingerprint.status, "succeeded", `fingerprint failed: ${fingerprint.error}`);
      const [song] = await stack.sql`select status, fingerprint_hash, duration_sec from songs where id = ${songId}`;
      assert.equal(song.status, "ready");
      assert.match(song.fingerprint_hash, /^[0-9a-f]{64}$/);
      assert.ok(Math.abs(song.duration_sec - groove.durationSec) < 0.1, `duration ${song.duration_sec}`);

      const { job } = await api.call<{ job: { id: string } }>("POST", "/jobs", { type: "generate_map", songId });
      const events = await readJobEvents(api, job.id);
      const done = await waitForJob(api, job.id);
      assert.equal(done.status, "succeeded", `generate_map failed: ${done.error}`);

      const stagesSeen = new Set(events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data).stage));
      for (const stage of STAGES_BY_JOB_TYPE.generate_map) {
        assert.ok(stagesSeen.has(stage), `no SSE event for ${stage}`);
      }
      assert.equal(events.at(-1)?.event, "completed");

      // One trace id follows the job: web -> QStash -> inference logs -> signed callbacks back to web.
      const [{ trace_id: traceId }] = await stack.sql`select trace_id from ai_jobs where id = ${job.id}`;
      const logLines = async (service: string) =>
        (await Deno.readTextFile(`${stack.logDir}/${service}.log`)).split("\n").filter((l) => l.includes(traceId));
      const inferenceLines = (await logLines("inference")).map((l) => JSON.parse(l));
      assert.ok(
        inferenceLines.some((l) => l.msg === "job started" && l.jobId === job.id),
        "inference logged the trace",
      );
      const callbackLines = (await logLines("web")).map((l) => JSON.parse(l))
        .filter((l) => l.path === "/api/v1/callbacks/inference");
      assert.ok(callbackLines.length >= STAGES_BY_JOB_TYPE.generate_map.length, "callbacks carry the trace id");

      const versions = await stack.sql`select s3_key, note_count from map_versions where job_id = ${job.id}`;
      assert.equal(versions.length, 1);
      assert.equal(versions[0].s3_key, `maps/unverified/${songId}/${job.id}.bsm`);

      const s3 = new S3Client({
        endpoint: stack.env.S3_ENDPOINT,
        region: stack.env.S3_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY },
      });
      const object = await s3.send(new GetObjectCommand({ Bucket: stack.env.S3_BUCKET, Key: versions[0].s3_key }));
      const stored = bsmSchema.parse(JSON.parse(await object.Body!.transformToString()));
      s3.destroy();

      const served = bsmSchema.parse(await api.call("GET", `/songs/${songId}/map`));
      assert.deepEqual(served, stored);
      assert.equal(served.notes.length, versions[0].note_count);
      assert.ok(Math.abs(served.tempo.bpm - 120) / 120 < 0.03, `bpm ${served.tempo.bpm}`);
      for (const lane of ["kick", "snare", "hihat_closed"]) {
        const expected = groove.hits.filter((h) => h.lane === lane).map((h) => h.time);
        const detected = served.notes.filter((n) => n.lane === lane).map((n) => n.time);
        const r = recall(expected, detected, 0.05);
        assert.ok(r >= 0.8, `${lane}: only ${(r * 100).toFixed(0)}% of ${expected.length} hits found`);
      }
    } finally {
      await stack.close();
    }
  },
});

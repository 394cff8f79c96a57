import assert from "node:assert/strict";
import type { Callback } from "../../../inference/src/contracts/callback.ts";
import { guest, type Harness, json, postCallback, seedReadySong, startHarness } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function startJob(h: Harness, headers: Record<string, string>, songId: string, type = "generate_map") {
  const res = await h.app.request("/api/v1/jobs", json("POST", headers, { type, songId }));
  return (await res.json()).job as { id: string; traceId: string };
}

function progress(jobId: string, seq: number, stage: Callback["stage"], p: number, attempt = 1): Callback {
  return {
    event: "progress",
    jobId,
    attempt,
    seq,
    traceId: "t",
    stage,
    progress: p,
    stageOutputs: {},
    stageTimingsMs: {},
  };
}

function mapCompleted(jobId: string, songId: string, seq: number): Callback {
  return {
    event: "completed",
    jobId,
    attempt: 1,
    seq,
    traceId: "t",
    stage: "package",
    progress: 1,
    stageOutputs: { package: `maps/unverified/${songId}/${jobId}.bsm` },
    stageTimingsMs: { package: 120 },
    result: {
      kind: "map",
      mapKey: `maps/unverified/${songId}/${jobId}.bsm`,
      durationSec: 30,
      bpm: 120,
      noteCount: 42,
      modelVersion: "m1",
    },
  };
}

Deno.test({
  name: "inference callbacks - signatures, ordering, idempotence, cancellation",
  ...opts,
  fn: async (t) => {
    const h = await startHarness();
    try {
      const alice = await guest(h.app);
      const songId = await seedReadySong(h, alice.userId);
      const job = await startJob(h, alice.headers, songId);
      const getJob = async () =>
        (await (await h.app.request(`/api/v1/jobs/${job.id}`, { headers: alice.headers })).json()).job;

      await t.step("unsigned, forged, unknown key, expired, tampered -> 401 with reason", async () => {
        const body = JSON.stringify(progress(job.id, 0, "decode", 0.1));
        const unsigned = await h.app.request("/api/v1/callbacks/inference", { method: "POST", body });
        assert.equal(unsigned.status, 401);
        assert.match((await unsigned.json()).error.message, /missing signature headers/);
        const forged = await postCallback(h, progress(job.id, 0, "decode", 0.1), undefined, {
          id: "k1",
          secret: "x".repeat(32),
        });
        assert.match((await forged.json()).error.message, /does not match/);
        const unknown = await postCallback(h, progress(job.id, 0, "decode", 0.1), undefined, {
          id: "k9",
          secret: "x".repeat(32),
        });
        assert.match((await unknown.json()).error.message, /unknown signing key/);
        const expired = await postCallback(h, progress(job.id, 0, "decode", 0.1), Math.floor(Date.now() / 1000) - 3600);
        assert.equal(expired.status, 401);
        assert.match((await expired.json()).error.message, /expired/);
        const { signCallback } = await import("../../../inference/src/contracts/callback.ts");
        const headers = signCallback(body, h.signingKey);
        const tampered = await h.app.request("/api/v1/callbacks/inference", {
          method: "POST",
          headers,
          body: body.replace('"progress":0.1', '"progress":0.9'),
        });
        assert.equal(tampered.status, 401);
        assert.equal((await getJob()).status, "queued");
      });

      await t.step("replayed signature -> 409; schema error -> 400", async () => {
        const { signCallback } = await import("../../../inference/src/contracts/callback.ts");
        const body = JSON.stringify(progress(job.id, 0, "decode", 0.1));
        const headers = signCallback(body, h.signingKey);
        const first = await h.app.request("/api/v1/callbacks/inference", { method: "POST", headers, body });
        assert.equal(first.status, 200);
        assert.deepEqual(await first.json(), { continue: true });
        const replay = await h.app.request("/api/v1/callbacks/inference", { method: "POST", headers, body });
        assert.equal(replay.status, 409);
        const bad = await postCallback(h, { ...progress(job.id, 1, "decode", 0.1), progress: 7 } as Callback);
        assert.equal(bad.status, 400);
        assert.match((await bad.json()).error.message, /"progress"/);
      });

      await t.step("out-of-order progress is ignored", async () => {
        assert.equal((await postCallback(h, progress(job.id, 3, "transcribe", 0.5))).status, 200);
        const stale = await postCallback(h, progress(job.id, 2, "decode", 0.2));
        assert.deepEqual(await stale.json(), { continue: true });
        const current = await getJob();
        assert.equal(current.status, "running");
        assert.equal(current.stage, "transcribe");
        assert.equal(current.progress, 0.5);
        assert.ok(current.heartbeatAt);
      });

      await t.step("completed twice -> exactly one map version; then continue:false", async () => {
        const first = await postCallback(h, mapCompleted(job.id, songId, 10));
        assert.deepEqual(await first.json(), { continue: false });
        const dup = await postCallback(h, mapCompleted(job.id, songId, 11));
        assert.deepEqual(await dup.json(), { continue: false });
        const versions = await h.deps
          .sql`select v.* from map_versions v join maps m on m.id = v.map_id where m.song_id = ${songId}`;
        assert.equal(versions.length, 1);
        assert.equal(versions[0].version, 1);
        assert.equal(versions[0].note_count, 42);
        const done = await getJob();
        assert.equal(done.status, "succeeded");
        const late = await postCallback(h, progress(job.id, 12, "package", 0.9));
        assert.deepEqual(await late.json(), { continue: false });
        assert.equal((await getJob()).status, "succeeded");
        const song = await (await h.app.request(`/api/v1/songs/${songId}`, { headers: alice.headers })).json();
        assert.equal(song.map.version.version, 1);
        assert.equal(song.song.bpm, 120);
      });

      await t.step("a second job adds version 2 of the same map", async () => {
        const second = await startJob(h, alice.headers, songId);
        await postCallback(h, mapCompleted(second.id, songId, 1));
        const rows = await h.deps.sql`select version from map_versions v join maps m on m.id = v.map_id
        where m.song_id = ${songId} order by version`;
        assert.deepEqual(rows.map((r) => r.version), [1, 2]);
      });

      await t.step("a cancelled job replies continue:false and stays cancelled", async () => {
        const other = await seedReadySong(h, alice.userId);
        const j = await startJob(h, alice.headers, other);
        await h.app.request(`/api/v1/jobs/${j.id}`, { method: "DELETE", headers: alice.headers });
        const res = await postCallback(h, progress(j.id, 0, "decode", 0.1));
        assert.deepEqual(await res.json(), { continue: false });
        const [row] = await h.deps.sql`select status from ai_jobs where id = ${j.id}`;
        assert.equal(row.status, "cancelled");
      });

      await t.step("non-retryable failure fails the job and counts the stage", async () => {
        const other = await seedReadySong(h, alice.userId);
        const j = await startJob(h, alice.headers, other);
        const res = await postCallback(h, {
          ...progress(j.id, 0, "decode", 0.05),
          event: "failed",
          error: "not audio",
          retryable: false,
        } as Callback);
        assert.deepEqual(await res.json(), { continue: false });
        const [row] = await h.deps.sql`select status, error from ai_jobs where id = ${j.id}`;
        assert.deepEqual({ ...row }, { status: "failed", error: "not audio" });
        const metrics = await (await h.app.request("/metrics")).text();
        assert.match(metrics, /beatsight_job_failures_total\{stage="decode"\} 1/);
        assert.match(metrics, /beatsight_job_stage_duration_seconds_count\{stage="package"\} 2/);
      });

      await t.step("fingerprint completion readies the song and links a verified map of the same hash", async () => {
        const [verified] = await h.deps.sql`select id from maps limit 1`;
        await h.deps.sql`update maps set status = 'verified' where id = ${verified.id}`;
        await h.deps.sql`update songs set fingerprint_hash = 'HASH1' where id = ${songId}`;
        const fresh = await seedReadySong(h, alice.userId);
        const fp = await startJob(h, alice.headers, fresh, "fingerprint");
        await postCallback(h, {
          event: "completed",
          jobId: fp.id,
          attempt: 1,
          seq: 2,
          traceId: "t",
          stage: "fingerprint",
          progress: 1,
          stageOutputs: {},
          stageTimingsMs: {},
          result: { kind: "fingerprint", fingerprintHash: "HASH1", durationSec: 31 },
        });
        const [song] = await h.deps
          .sql`select status, fingerprint_hash, canonical_map_id from songs where id = ${fresh}`;
        assert.equal(song.status, "ready");
        assert.equal(song.canonical_map_id, verified.id);
      });
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "qstash failure callback - fails the job with a readable reason",
  ...opts,
  fn: async () => {
    const h = await startHarness({ inferenceStatus: 500 });
    try {
      const alice = await guest(h.app);
      const songId = await seedReadySong(h, alice.userId);
      const job = await startJob(h, alice.headers, songId);
      const deadline = Date.now() + 8000;
      let row: { status: string; error: string | null } | undefined;
      while (Date.now() < deadline) {
        const rows = await h.deps.sql<{ status: string; error: string | null }[]>`
        select status, error from ai_jobs where id = ${job.id}`;
        row = rows[0];
        if (row?.status === "failed") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(row?.status, "failed");
      assert.match(row?.error ?? "", /^Inference could not run this job after 4 attempts: HTTP 500: model exploded/);
      const unsigned = await h.app.request("/api/v1/callbacks/qstash-failure", { method: "POST", body: "{}" });
      assert.equal(unsigned.status, 401);
      const forged = await h.app.request("/api/v1/callbacks/qstash-failure", {
        method: "POST",
        body: "{}",
        headers: { "upstash-signature": "e30.e30.sig" },
      });
      assert.equal(forged.status, 401);
    } finally {
      await h.close();
    }
  },
});

/**
 * Reliability: the inference process is killed with SIGKILL in the middle of a job; after it comes back the job
 * completes exactly once, with exactly one map version.
 */
import assert from "node:assert/strict";
import { renderDrumPattern } from "../../inference/src/testing/synth.ts";
import { guestClient, uploadSong, waitForJob } from "../../scripts/api_client.ts";
import { startE2eStack } from "./harness.ts";

Deno.test({
  name: "crash and cancel - SIGKILL mid-job still yields one completed job and one map version; cancel stops stages",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Each stage takes at least 1.5 s so the kill lands inside the pipeline; short watchdog and heartbeat times.
    const stack = await startE2eStack("crash", {
      INFERENCE_STAGE_DELAY_MS: "1500",
      HEARTBEAT_INTERVAL_SEC: "1",
      JOB_STALE_AFTER_SEC: "6",
    });
    try {
      const api = await guestClient(stack.webUrl);
      const { wav } = renderDrumPattern({ bpm: 100, bars: 4, seed: 3 });
      const { songId, fingerprintJobId } = await uploadSong(api, wav, { filename: "a.wav", contentType: "audio/wav" });
      assert.equal((await waitForJob(api, fingerprintJobId)).status, "succeeded");

      const { job } = await api.call<{ job: { id: string } }>("POST", "/jobs", { type: "generate_map", songId });
      // Wait until the pipeline is past decode, then kill the process without warning.
      const deadline = Date.now() + 60_000;
      while (true) {
        const [row] = await stack.sql`select stage, status from ai_jobs where id = ${job.id}`;
        if (row.status === "running" && row.stage !== null && row.stage !== "decode") break;
        assert.ok(Date.now() < deadline, "the job never reached a stage after decode");
        await new Promise((r) => setTimeout(r, 50));
      }
      await stack.killInference("SIGKILL");
      await new Promise((r) => setTimeout(r, 1000));
      await stack.startInference();

      const done = await waitForJob(api, job.id, 120_000);
      assert.equal(done.status, "succeeded", `job ended ${done.status}: ${done.error}`);
      const versions = await stack.sql`select id from map_versions where job_id = ${job.id}`;
      assert.equal(versions.length, 1);
      const completions = await stack.sql`select id from job_events where job_id = ${job.id} and event = 'completed'`;
      assert.equal(completions.length, 1);
      const [row] = await stack.sql`select attempts, stage_outputs from ai_jobs where id = ${job.id}`;
      assert.ok(row.stage_outputs.decode, "decode output recorded");
      // Let late duplicate deliveries (QStash retries, watchdog) arrive, then check nothing was doubled.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await stack.sql`select id from map_versions where job_id = ${job.id}`).length, 1);

      // Cancel mid-job: the next callback is told to stop, so no later stage runs and no map is stored.
      const { job: second } = await api.call<{ job: { id: string } }>("POST", "/jobs", {
        type: "generate_map",
        songId,
      });
      while (true) {
        const [row] = await stack.sql`select stage from ai_jobs where id = ${second.id}`;
        if (row.stage === "transcribe") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await api.call("DELETE", `/jobs/${second.id}`);
      await new Promise((r) => setTimeout(r, 4000)); // longer than two more stages would take
      const [cancelled] = await stack.sql`select status, stage_outputs from ai_jobs where id = ${second.id}`;
      assert.equal(cancelled.status, "cancelled");
      assert.equal(cancelled.stage_outputs.quantize, undefined, "no stage after the cancel ran");
      assert.equal((await stack.sql`select id from map_versions where job_id = ${second.id}`).length, 0);
      const inferenceLog = await Deno.readTextFile(`${stack.logDir}/inference.log`);
      assert.match(inferenceLog, new RegExp(`"jobId":"${second.id}"[^\\n]*cancel|cancel[^\\n]*"jobId":"${second.id}"`));
    } finally {
      await stack.close();
    }
  },
});

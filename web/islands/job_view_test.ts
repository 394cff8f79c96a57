import assert from "node:assert/strict";
import { applyJobEvent, type JobView, stageStates } from "./job_view.ts";

const base: JobView = {
  id: "j",
  songId: "s",
  type: "generate_map",
  status: "queued",
  stage: null,
  progress: 0,
  error: null,
  stages: ["decode", "transcribe", "beats", "quantize", "package"],
  done: [],
};
const states = (job: JobView) => stageStates(job).map((s) => s.state).join(",");

Deno.test("stageStates - queued, running, failed, succeeded", () => {
  assert.equal(states(base), "pending,pending,pending,pending,pending");
  assert.equal(states({ ...base, status: "running", stage: "beats" }), "done,done,running,pending,pending");
  assert.equal(states({ ...base, status: "failed", stage: "transcribe" }), "done,failed,pending,pending,pending");
  assert.equal(states({ ...base, status: "succeeded", stage: "package" }), "done,done,done,done,done");
  // A resumed attempt: recorded outputs count as done even before the current stage reaches them.
  assert.equal(states({ ...base, status: "queued", done: ["decode"] }), "done,pending,pending,pending,pending");
});

Deno.test("applyJobEvent - progress, completed and failed events update the view", () => {
  let job = applyJobEvent(base, "progress", { stage: "transcribe", progress: 0.4, status: "running" });
  assert.equal(job.status, "running");
  assert.equal(job.stage, "transcribe");
  assert.equal(job.progress, 0.4);
  job = applyJobEvent(job, "failed", { stage: "transcribe", progress: 0.4, message: "Model crashed" });
  assert.equal(job.status, "failed");
  assert.equal(job.error, "Model crashed");
  job = applyJobEvent(job, "completed", { stage: "package", progress: 1 });
  assert.equal(job.status, "succeeded");
  assert.equal(job.error, null);
  assert.equal(states(job), "done,done,done,done,done");
});

Deno.test("applyJobEvent - a progress event may report queued (re-dispatch), never a terminal status", () => {
  assert.equal(applyJobEvent(base, "progress", { stage: null, progress: 0, status: "queued" }).status, "queued");
  assert.equal(applyJobEvent(base, "progress", { stage: "decode", status: "succeeded" }).status, "running");
});

Deno.test("applyJobEvent - malformed data keeps the old values", () => {
  const job = applyJobEvent({ ...base, stage: "beats", progress: 0.5 }, "progress", { stage: "nope", progress: 7 });
  assert.equal(job.stage, "beats");
  assert.equal(job.progress, 0.5);
  assert.equal(applyJobEvent(base, "failed", null).error, "The job failed.");
});

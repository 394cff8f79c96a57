import assert from "node:assert/strict";
import { it } from "node:test";
import { bsmSchema } from "../contracts/bsm.ts";
import type { JobMessage } from "../contracts/job_message.ts";
import { STAGES_BY_JOB_TYPE } from "../contracts/stages.ts";
import { MemoryStore } from "../storage/memory_store.ts";
import { buildNoopStages } from "./noop.ts";
import type { StageContext } from "./types.ts";

const job: JobMessage = {
  jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01",
  attempt: 1,
  type: "generate_map",
  songId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  audioKey: "uploads/x.wav",
  stageOutputs: {},
  callbackUrl: "http://web.test/cb",
  traceId: "t",
  priority: 5,
};
const silentLog = { info() {}, warn() {}, error() {} };

it("noop stages write a valid artifact at each real stage's key", async () => {
  const stages = buildNoopStages();
  const store = new MemoryStore();
  for (
    const name of new Set([
      ...STAGES_BY_JOB_TYPE.fingerprint,
      ...STAGES_BY_JOB_TYPE.generate_map,
    ])
  ) {
    const stage = stages[name];
    assert.ok(stage, `no noop stage for ${name}`);
    const ctx: StageContext = {
      job,
      store,
      outputs: {},
      signal: new AbortController().signal,
      log: silentLog,
    };
    await stage.run(ctx);
    assert.ok(
      await store.exists(stage.outputKey(job)),
      `${name} wrote nothing`,
    );
  }
  const map = bsmSchema.parse(
    JSON.parse(
      new TextDecoder().decode(await store.get(stages.package!.outputKey(job))),
    ),
  );
  assert.equal(map.tempo.bpm, 120);
  assert.equal(
    stages.package!.outputKey(job),
    `maps/unverified/${job.songId}/${job.jobId}.bsm`,
  );
  const fp = JSON.parse(
    new TextDecoder().decode(
      await store.get(stages.fingerprint!.outputKey(job)),
    ),
  );
  assert.match(fp.fingerprintHash, /^[0-9a-f]{64}$/);
});

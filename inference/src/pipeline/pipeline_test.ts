import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { bsmSchema } from "../contracts/bsm.ts";
import type { Callback } from "../contracts/callback.ts";
import type { JobMessage } from "../contracts/job_message.ts";
import { STAGES_BY_JOB_TYPE } from "../contracts/stages.ts";
import type { CallbackInput, JobCallbacks } from "../callback_client.ts";
import { createLogger } from "../log.ts";
import { runJob } from "../runner.ts";
import { MemoryStore } from "../storage/memory_store.ts";
import { renderDrumPattern } from "../testing/synth.ts";
import { buildStages } from "./pipeline.ts";
import { loadTranscriber, type Transcriber } from "./transcribe.ts";

const log = createLogger({ level: "error", write: () => {} });

/** Collects callbacks in memory, numbered like the real client does. */
function collector(): JobCallbacks & { received: Callback[] } {
  const received: Callback[] = [];
  let seq = 0;
  return {
    received,
    get nextSeq() {
      return seq;
    },
    send(cb: CallbackInput) {
      received.push({ ...cb, seq: seq++ } as Callback);
      return Promise.resolve({ delivered: true, continue: true });
    },
  };
}

function job(type: JobMessage["type"]): JobMessage {
  return {
    jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c99",
    attempt: 1,
    type,
    songId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    audioKey: "uploads/groove.wav",
    stageOutputs: {},
    callbackUrl: "http://web.test/cb",
    traceId: "t",
    priority: 5,
  };
}

describe("pipeline", () => {
  let transcriber: Transcriber;
  before(async () => {
    transcriber = await loadTranscriber();
  });

  it("buildStages - provides every stage the job types list", () => {
    const stages = buildStages({ transcriber });
    for (const name of new Set(Object.values(STAGES_BY_JOB_TYPE).flat())) {
      assert.equal(stages[name]?.name, name, `stage ${name}`);
    }
  });

  it("buildStages - a generate_map job on synthetic drums yields a valid map near the true tempo", async () => {
    const store = new MemoryStore();
    const groove = renderDrumPattern({ bpm: 120, bars: 4, seed: 7 });
    await store.put("uploads/groove.wav", groove.wav, "audio/wav");
    const callbacks = collector();
    const out = await runJob(job("generate_map"), {
      stages: buildStages({ transcriber }),
      store,
      callbacks,
      log,
    });
    assert.equal(out.status, "succeeded", JSON.stringify(out));
    if (out.status !== "succeeded" || out.result.kind !== "map") return;
    assert.ok(Math.abs(out.result.bpm - 120) < 3, `bpm ${out.result.bpm}`);
    assert.ok(out.result.noteCount > 0);
    assert.equal(
      out.result.modelVersion,
      `${transcriber.model.name}@${transcriber.model.version}`,
    );
    const map = bsmSchema.parse(
      JSON.parse(new TextDecoder().decode(await store.get(out.result.mapKey))),
    );
    assert.equal(map.notes.length, out.result.noteCount);
  });

  it("buildStages - a fingerprint job reports the Chromaprint hash", async () => {
    const store = new MemoryStore();
    await store.put(
      "uploads/groove.wav",
      renderDrumPattern({ bpm: 100, bars: 2, seed: 3 }).wav,
      "audio/wav",
    );
    const out = await runJob(job("fingerprint"), {
      stages: buildStages({ transcriber }),
      store,
      callbacks: collector(),
      log,
    });
    assert.equal(out.status === "succeeded" && out.result.kind, "fingerprint");
    assert.match(
      out.status === "succeeded" && out.result.kind === "fingerprint"
        ? out.result.fingerprintHash
        : "",
      /^[0-9a-f]{64}$/,
    );
  });
});

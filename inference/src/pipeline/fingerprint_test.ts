import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JobMessage } from "../contracts/job_message.ts";
import { createLogger } from "../log.ts";
import { MemoryStore } from "../storage/memory_store.ts";
import { renderDrumPattern } from "../testing/synth.ts";
import { DECODE_SAMPLE_RATE, encodePcm } from "./decode.ts";
import {
  createFingerprintStage,
  fingerprintPcm,
  FpcalcMissingError,
} from "./fingerprint.ts";
import { BadInputError } from "./types.ts";

const SR = DECODE_SAMPLE_RATE;
const song = (seed: number, bpm = 110) =>
  renderDrumPattern({ bpm, bars: 4, seed, sampleRate: SR }).samples;

describe("fingerprint", () => {
  it("fingerprintPcm - the same audio gives the same fingerprint and hash", async () => {
    const a = await fingerprintPcm(song(1), SR);
    const b = await fingerprintPcm(song(1), SR);
    assert.deepEqual(a, b);
    assert.match(a.fingerprintHash, /^[0-9a-f]{64}$/);
    assert.ok(
      a.fingerprint.length > 20,
      `a real fingerprint, got ${a.fingerprint}`,
    );
    assert.ok(Math.abs(a.durationSec - song(1).length / SR) < 1e-9);
  });

  it("fingerprintPcm - different audio gives a different hash", async () => {
    const a = await fingerprintPcm(song(1, 110), SR);
    const b = await fingerprintPcm(song(2, 140), SR);
    assert.notEqual(a.fingerprintHash, b.fingerprintHash);
  });

  it("fingerprintPcm - too little audio is bad input", async () => {
    await assert.rejects(
      fingerprintPcm(new Float32Array(0), SR),
      BadInputError,
    );
    await assert.rejects(
      fingerprintPcm(new Float32Array(SR / 10), SR),
      (err: unknown) => {
        assert.ok(err instanceof BadInputError);
        assert.match(err.message, /Could not fingerprint/);
        return true;
      },
    );
  });

  it("fingerprintPcm - says how to install fpcalc when it is missing", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await assert.rejects(fingerprintPcm(song(1), SR), (err: unknown) => {
        assert.ok(err instanceof FpcalcMissingError);
        assert.match(err.message, /libchromaprint-tools/);
        return true;
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it("createFingerprintStage - reads decode.f32 and writes fingerprint.json", async () => {
    const store = new MemoryStore();
    const job = { jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01" } as JobMessage;
    const samples = song(3);
    await store.put(
      `jobs/${job.jobId}/decode.f32`,
      encodePcm(samples),
      "application/octet-stream",
    );
    const stage = createFingerprintStage();
    assert.equal(stage.outputKey(job), `jobs/${job.jobId}/fingerprint.json`);
    const log = createLogger({ level: "error", write: () => {} });
    await stage.run({
      job,
      store,
      outputs: { decode: `jobs/${job.jobId}/decode.f32` },
      signal: new AbortController().signal,
      log,
    });
    const written = JSON.parse(
      new TextDecoder().decode(await store.get(stage.outputKey(job))),
    );
    assert.deepEqual(written, await fingerprintPcm(samples, SR));
  });
});

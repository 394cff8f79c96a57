import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Callback, callbackSchema, type SigningKey, verifyCallbackSignature } from "./contracts/callback.ts";
import type { JobMessage } from "./contracts/job_message.ts";
import type { StageName } from "./contracts/stages.ts";
import { CallbackClient } from "./callback_client.ts";
import { createLogger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { runJob, type RunJobDeps } from "./runner.ts";
import { MemoryStore } from "./storage/memory_store.ts";
import { BadInputError, type Stage, type StageContext } from "./pipeline/types.ts";

const KEY: SigningKey = { id: "k1", secret: "0123456789abcdef0123" };
const enc = new TextEncoder();
const dec = new TextDecoder();

function message(over: Partial<JobMessage> = {}): JobMessage {
  return {
    jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01",
    attempt: 1,
    type: "generate_map",
    songId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    audioKey: "uploads/song.mp3",
    resumeFrom: null,
    stageOutputs: {},
    callbackUrl: "http://web.test/api/v1/callbacks/inference",
    traceId: "trace-1",
    priority: 5,
    ...over,
  };
}

/** Real stages: each reads its predecessor's artifact and writes its own, counting runs. */
function makeStages(
  opts: { delayMs?: number; failAt?: StageName; failWith?: Error } = {},
) {
  const runs: StageName[] = [];
  const chain: Array<[StageName, StageName | null]> = [
    ["decode", null],
    ["fingerprint", "decode"],
    ["transcribe", "decode"],
    ["beats", "transcribe"],
    ["quantize", "beats"],
    ["package", "quantize"],
  ];
  const stages: Partial<Record<StageName, Stage>> = {};
  for (const [name, input] of chain) {
    stages[name] = {
      name,
      outputKey: (job) =>
        name === "package" ? `maps/unverified/${job.songId}/${job.jobId}.bsm` : `jobs/${job.jobId}/${name}.out`,
      async run(ctx: StageContext) {
        runs.push(name);
        if (opts.delayMs) await abortableDelay(opts.delayMs, ctx.signal);
        if (opts.failAt === name) throw opts.failWith ?? new Error("boom");
        const prev = input ? dec.decode(await ctx.store.get(ctx.outputs[input]!)) : ctx.job.audioKey;
        await ctx.store.put(
          this.outputKey(ctx.job),
          enc.encode(render(name, prev)),
          "application/octet-stream",
        );
      },
    };
  }
  return { stages, runs };
}

function render(name: StageName, prev: string): string {
  if (name === "fingerprint") {
    return JSON.stringify({
      fingerprint: "AQAA",
      fingerprintHash: "ab".repeat(32),
      durationSec: 12.5,
    });
  }
  if (name !== "package") return `${name}(${prev})`;
  return JSON.stringify({
    format: "bsm",
    version: 1,
    durationSec: 12.5,
    modelVersion: "drums-v1",
    tempo: { bpm: 120, beats: [0.5, 1], downbeats: [0.5] },
    timeSignature: [4, 4],
    notes: [{ time: 0.5, lane: "kick", velocity: 100 }, {
      time: 1,
      lane: "snare",
      velocity: 90,
    }],
  });
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => (clearTimeout(t), reject(new Error("stage aborted"))),
      { once: true },
    );
  });
}

/** A web stand-in: verifies each callback's signature, records it, answers `reply(cb)`. */
function sink(reply: (cb: Callback, all: Callback[]) => boolean = () => true) {
  const received: Callback[] = [];
  const fetchFn = ((_url: string, init: RequestInit) => {
    const body = String(init.body);
    const check = verifyCallbackSignature(new Headers(init.headers), body, [
      KEY,
    ]);
    if (!check.ok) {
      return Promise.resolve(
        new Response(JSON.stringify({ error: check.reason }), { status: 401 }),
      );
    }
    const cb = callbackSchema.parse(JSON.parse(body));
    received.push(cb);
    return Promise.resolve(Response.json({ continue: reply(cb, received) }));
  }) as unknown as typeof fetch;
  return { received, fetch: fetchFn };
}

function deps(
  store: MemoryStore,
  stages: RunJobDeps["stages"],
  s: ReturnType<typeof sink>,
  job = message(),
) {
  const log = createLogger({ level: "error", write: () => {} });
  const client = new CallbackClient({
    keys: [KEY],
    log,
    fetch: s.fetch,
    backoffMs: 1,
  });
  return {
    stages,
    store,
    callbacks: client.forJob(job.callbackUrl, job.traceId),
    log,
    metrics: createMetrics(),
    heartbeatIntervalSec: 0.02,
  };
}

describe("runner", () => {
  it("runJob - runs every stage, reports progress per stage and completes with the map result", async () => {
    const store = new MemoryStore();
    const { stages, runs } = makeStages();
    const s = sink();
    const out = await runJob(message(), deps(store, stages, s));
    assert.deepEqual(runs, [
      "decode",
      "transcribe",
      "beats",
      "quantize",
      "package",
    ]);
    assert.equal(out.status, "succeeded");
    const last = s.received.at(-1)!;
    assert.equal(last.event, "completed");
    assert.deepEqual(last.event === "completed" && last.result, {
      kind: "map",
      mapKey: "maps/unverified/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01.bsm",
      durationSec: 12.5,
      bpm: 120,
      noteCount: 2,
      modelVersion: "drums-v1",
    });
    assert.deepEqual(Object.keys(last.stageTimingsMs).sort(), [
      "beats",
      "decode",
      "package",
      "quantize",
      "transcribe",
    ]);
    const starts = s.received.filter((c) => c.event === "progress").map((c) => c.stage);
    assert.deepEqual(starts, [
      "decode",
      "transcribe",
      "beats",
      "quantize",
      "package",
    ]);
    const seqs = s.received.map((c) => c.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(new Set(seqs).size, seqs.length, "seq never repeats");
  });

  it("runJob - fingerprint job returns the hash read from fingerprint.json", async () => {
    const store = new MemoryStore();
    const { stages } = makeStages();
    const s = sink();
    const out = await runJob(
      message({ type: "fingerprint" }),
      deps(store, stages, s),
    );
    assert.deepEqual(out.status === "succeeded" && out.result, {
      kind: "fingerprint",
      fingerprintHash: "ab".repeat(32),
      durationSec: 12.5,
    });
  });

  it("runJob - resumeFrom skips earlier stages whose output exists and re-runs the rest", async () => {
    const store = new MemoryStore();
    const first = makeStages();
    await runJob(message(), deps(store, first.stages, sink()));
    const again = makeStages();
    const s = sink();
    const out = await runJob(
      message({ attempt: 2, resumeFrom: "beats" }),
      deps(store, again.stages, s),
    );
    assert.equal(out.status, "succeeded");
    assert.deepEqual(again.runs, ["beats", "quantize", "package"]);
    assert.deepEqual(
      s.received.filter((c) => c.event === "progress").map((c) => c.stage),
      ["beats", "quantize", "package"],
    );
  });

  it("runJob - a redelivery without resumeFrom reuses outputs in the store; a missing one re-runs it and all after", async () => {
    const store = new MemoryStore();
    await runJob(message(), deps(store, makeStages().stages, sink()));
    store.objects.delete("jobs/6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c01/beats.out");
    const again = makeStages();
    const out = await runJob(message(), deps(store, again.stages, sink()));
    assert.equal(out.status, "succeeded");
    assert.deepEqual(again.runs, ["beats", "quantize", "package"]);
  });

  it("runJob - a stage before resumeFrom whose recorded output is gone runs again", async () => {
    const store = new MemoryStore();
    const { stages, runs } = makeStages();
    const job = message({
      resumeFrom: "beats",
      stageOutputs: {
        decode: "jobs/x/decode.out",
        transcribe: "jobs/x/transcribe.out",
      },
    });
    const out = await runJob(job, deps(store, stages, sink()));
    assert.equal(out.status, "succeeded");
    assert.deepEqual(runs, [
      "decode",
      "transcribe",
      "beats",
      "quantize",
      "package",
    ]);
  });

  it("runJob - continue:false stops before the next stage", async () => {
    const store = new MemoryStore();
    const { stages, runs } = makeStages();
    const s = sink((cb) => !(cb.event === "progress" && cb.stage === "beats"));
    const out = await runJob(message(), deps(store, stages, s));
    assert.deepEqual(out, { status: "cancelled", stage: "beats", by: "web" });
    assert.deepEqual(runs, ["decode", "transcribe"]);
    assert.ok(
      !s.received.some((c) => c.event === "completed" || c.event === "failed"),
    );
  });

  it("runJob - heartbeats arrive while a stage runs and a heartbeat's continue:false aborts it", async () => {
    const store = new MemoryStore();
    const { stages, runs } = makeStages({ delayMs: 150 });
    let beats = 0;
    const s = sink((cb, all) => {
      const decodeProgress = all.filter((c) => c.event === "progress" && c.stage === "decode").length;
      if (cb.event === "progress" && cb.stage === "decode") {
        beats = decodeProgress - 1;
      }
      return decodeProgress < 4;
    });
    const out = await runJob(message(), deps(store, stages, s));
    assert.ok(beats >= 3, `expected 3+ heartbeats during decode, got ${beats}`);
    assert.deepEqual(out, { status: "cancelled", stage: "decode", by: "web" });
    assert.deepEqual(runs, ["decode"]);
  });

  it("runJob - bad input sends a non-retryable failed callback; other errors are retryable", async () => {
    const bad = makeStages({
      failAt: "decode",
      failWith: new BadInputError("not audio: the file has no audio stream"),
    });
    const s = sink();
    const store = new MemoryStore();
    const d = deps(store, bad.stages, s);
    const out = await runJob(message(), d);
    assert.deepEqual({ ...out, callbackDelivered: undefined }, {
      status: "failed",
      error: "decode: not audio: the file has no audio stream",
      retryable: false,
      callbackDelivered: undefined,
    });
    const failed = s.received.at(-1)!;
    assert.equal(failed.event, "failed");
    assert.equal(failed.event === "failed" && failed.retryable, false);
    assert.match(
      await d.metrics.registry.metrics(),
      /beatsight_job_failures_total\{stage="decode"\} 1/,
    );

    const crash = makeStages({
      failAt: "quantize",
      failWith: new Error("out of memory"),
    });
    const s2 = sink();
    const out2 = await runJob(
      message(),
      deps(new MemoryStore(), crash.stages, s2),
    );
    assert.equal(out2.status === "failed" && out2.retryable, true);
    assert.equal(s2.received.at(-1)!.stage, "quantize");
  });

  it("runJob - stageDelayMs holds every stage that long, with heartbeats meanwhile", async () => {
    const { stages } = makeStages();
    const s = sink();
    const out = await runJob(message({ type: "fingerprint" }), {
      ...deps(new MemoryStore(), stages, s),
      stageDelayMs: 60,
    });
    assert.equal(out.status, "succeeded");
    const last = s.received.at(-1)!;
    assert.ok(
      last.stageTimingsMs.decode! >= 55 && last.stageTimingsMs.fingerprint! >= 55,
      JSON.stringify(last.stageTimingsMs),
    );
    assert.ok(s.received.filter((c) => c.event === "progress").length >= 4, "stage starts plus heartbeats");
  });

  it("runJob - server shutdown aborts the running stage as a shutdown cancel", async () => {
    const { stages } = makeStages({ delayMs: 200 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 30);
    const out = await runJob(message(), {
      ...deps(new MemoryStore(), stages, sink()),
      signal: ctl.signal,
    });
    assert.deepEqual(out, {
      status: "cancelled",
      stage: "decode",
      by: "shutdown",
    });
  });
});

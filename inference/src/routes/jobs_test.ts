import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createApp } from "../app.ts";
import { CallbackClient } from "../callback_client.ts";
import { type Callback, callbackSchema } from "../contracts/callback.ts";
import type { JobMessage } from "../contracts/job_message.ts";
import { createLogger } from "../log.ts";
import { signQstashJwt } from "../middleware/qstash_testing.ts";
import { BadInputError, type Stage } from "../pipeline/types.ts";
import { MemoryStore } from "../storage/memory_store.ts";
import { firstSeqFor, SEQ_BLOCK } from "./jobs.ts";

const PUBLIC = "http://inference.test";
const KEYS = {
  currentSigningKey: "cur_0123456789abcdef",
  nextSigningKey: "next_0123456789abcdef",
};
const log = createLogger({ level: "error", write: () => {} });

/** decode waits for `gate` (so a test can hold a job open), then both stages write real artifacts. */
function stages(
  opts: { gate?: Promise<void>; decodeError?: Error } = {},
): Record<"decode" | "fingerprint", Stage> {
  return {
    decode: {
      name: "decode",
      outputKey: (job) => `jobs/${job.jobId}/decode.f32`,
      async run(ctx) {
        await opts.gate;
        if (opts.decodeError) throw opts.decodeError;
        await ctx.store.put(
          this.outputKey(ctx.job),
          new Uint8Array(8),
          "application/octet-stream",
        );
      },
    },
    fingerprint: {
      name: "fingerprint",
      outputKey: (job) => `jobs/${job.jobId}/fingerprint.json`,
      async run(ctx) {
        await ctx.store.get(ctx.outputs.decode!);
        const doc = {
          fingerprint: "AQAA",
          fingerprintHash: "cd".repeat(32),
          durationSec: 3,
        };
        await ctx.store.put(
          this.outputKey(ctx.job),
          new TextEncoder().encode(JSON.stringify(doc)),
          "application/json",
        );
      },
    },
  };
}

function setup(
  opts: Parameters<typeof stages>[0] & { concurrency?: number } = {},
) {
  const received: Callback[] = [];
  const fetchFn = ((_url: string, init: RequestInit) => {
    received.push(callbackSchema.parse(JSON.parse(String(init.body))));
    return Promise.resolve(Response.json({ continue: true }));
  }) as unknown as typeof fetch;
  const env = {
    publicUrl: PUBLIC,
    qstash: KEYS,
    callbackKeys: [{ id: "k", secret: "0123456789abcdef" }],
    concurrency: opts.concurrency ?? 2,
    heartbeatIntervalSec: 5,
  };
  const callbacks = new CallbackClient({
    keys: env.callbackKeys,
    log,
    fetch: fetchFn,
    backoffMs: 1,
  });
  const model = { name: "m", version: "1.0.0", executionProviders: ["cpu"] };
  const { app } = createApp({
    env,
    stages: stages(opts),
    store: new MemoryStore(),
    log,
    callbacks,
    model: () => model,
  });
  return { app, received };
}

let n = 0;
function job(over: Partial<JobMessage> = {}): JobMessage {
  n++;
  return {
    jobId: `6f1c1a52-5a4e-4a59-9d7e-${String(n).padStart(12, "0")}`,
    attempt: 1,
    type: "fingerprint",
    songId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    audioKey: "uploads/a.mp3",
    stageOutputs: {},
    callbackUrl: "http://web.test/api/v1/callbacks/inference",
    traceId: "trace-r",
    priority: 5,
    ...over,
  };
}

function deliver(
  app: {
    request: (path: string, init: RequestInit) => Response | Promise<Response>;
  },
  body: unknown,
  headers: Record<string, string> = {},
) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const signature = signQstashJwt(raw, {
    key: KEYS.currentSigningKey,
    url: `${PUBLIC}/v1/jobs`,
  });
  return app.request("/v1/jobs", {
    method: "POST",
    body: raw,
    headers: {
      "upstash-signature": signature,
      "content-type": "application/json",
      ...headers,
    },
  });
}

describe("routes/jobs", () => {
  it("POST /v1/jobs - runs the job while holding the request and answers 200 after the completed callback", async () => {
    const { app, received } = setup();
    const res = await deliver(app, job());
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      ok: true,
      result: {
        kind: "fingerprint",
        fingerprintHash: "cd".repeat(32),
        durationSec: 3,
      },
    });
    assert.deepEqual(received.map((c) => `${c.event}:${c.stage}`), [
      "progress:decode",
      "progress:fingerprint",
      "completed:fingerprint",
    ]);
  });

  it("POST /v1/jobs - a QStash redelivery numbers its callbacks after the earlier delivery's", async () => {
    const { app, received } = setup();
    assert.equal(
      (await deliver(app, job(), { "upstash-retried": "2" })).status,
      200,
    );
    assert.deepEqual(received.map((c) => c.seq), [
      2 * SEQ_BLOCK,
      2 * SEQ_BLOCK + 1,
      2 * SEQ_BLOCK + 2,
    ]);
    assert.equal(firstSeqFor(undefined), 0);
    assert.equal(firstSeqFor("-1"), 0);
    assert.ok(
      firstSeqFor("999999") + SEQ_BLOCK <= 2 ** 31 - 1,
      "stays inside int4",
    );
  });

  it("POST /v1/jobs - 401 without a valid QStash signature", async () => {
    const { app } = setup();
    const res = await app.request("/v1/jobs", {
      method: "POST",
      body: JSON.stringify(job()),
    });
    assert.equal(res.status, 401);
  });

  it("POST /v1/jobs - 400 with a readable message for a bad job message", async () => {
    const { app, received } = setup();
    const res = await deliver(app, {
      ...job(),
      jobId: "not-a-uuid",
      type: "dance",
    });
    assert.equal(res.status, 400);
    const { error } = await res.json() as { error: string };
    assert.match(error, /jobId/);
    assert.match(error, /type/);
    assert.equal((await deliver(app, "{nope")).status, 400);
    assert.equal(received.length, 0);
  });

  it("POST /v1/jobs - 429 with Retry-After at the concurrency limit; the same job id answers duplicate", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { app } = setup({ gate, concurrency: 1 });
    const first = job();
    const running = deliver(app, first);
    await new Promise((r) => setTimeout(r, 20));
    const busy = await deliver(app, job());
    assert.equal(busy.status, 429);
    assert.equal(busy.headers.get("retry-after"), "30");
    const dup = await deliver(app, first);
    assert.equal(dup.status, 200);
    assert.deepEqual(await dup.json(), { duplicate: true });
    open();
    assert.equal((await running).status, 200);
    assert.equal(
      (await deliver(app, job())).status,
      200,
      "the slot is free again",
    );
  });

  it("POST /v1/jobs - bad input answers 200 (no QStash retry) after a non-retryable failed callback", async () => {
    const { app, received } = setup({
      decodeError: new BadInputError("The file is not audio."),
    });
    const res = await deliver(app, job());
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      ok: false,
      error: "decode: The file is not audio.",
      retryable: false,
    });
    const last = received.at(-1)!;
    assert.equal(last.event === "failed" && last.retryable, false);
  });

  it("POST /v1/jobs - a machine failure answers 500 so QStash retries", async () => {
    const { app, received } = setup({ decodeError: new Error("disk full") });
    const res = await deliver(app, job());
    assert.equal(res.status, 500);
    assert.equal(
      received.at(-1)!.event === "failed" &&
        (received.at(-1) as { retryable: boolean }).retryable,
      true,
    );
  });

  it("GET /healthz and /metrics - report the model and count requests", async () => {
    const { app } = setup();
    await deliver(app, job());
    const health = await app.request("/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), {
      ok: true,
      service: "inference",
      model: { name: "m", version: "1.0.0", executionProviders: ["cpu"] },
      draining: false,
      jobsInFlight: 0,
    });
    const text = await (await app.request("/metrics")).text();
    assert.match(
      text,
      /http_request_duration_seconds_count\{method="POST",route="\/v1\/jobs",status="200"\} 1/,
    );
    assert.match(
      text,
      /beatsight_job_stage_duration_seconds_count\{stage="decode"\} 1/,
    );
    assert.match(text, /beatsight_inference_jobs_in_flight 0/);
  });
});

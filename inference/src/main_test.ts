import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import S3rver from "s3rver";
import { type Callback, callbackSchema } from "./contracts/callback.ts";
import { signQstashJwt } from "./middleware/qstash_testing.ts";
import { S3Store } from "./storage/s3_store.ts";
import { renderDrumPattern } from "./testing/synth.ts";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECRETS = {
  QSTASH_CURRENT_SIGNING_KEY: "cur_0123456789abcdef",
  QSTASH_NEXT_SIGNING_KEY: "next_0123456789abcdef",
  CALLBACK_SIGNING_KEYS: "k1:0123456789abcdef",
};

function start(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", process.env.MAIN_TEST_DEBUG ? "inherit" : "pipe"],
  });
}

/** Resolves with the first JSON log line whose msg matches. */
function waitForLog(
  child: ChildProcess,
  msg: string,
): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout! });
  if (process.env.MAIN_TEST_DEBUG) lines.on("line", (l) => console.error("child:", l));
  return new Promise((resolve, reject) => {
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line);
        if (parsed.msg === msg) resolve(parsed);
      } catch {
        // not a log line
      }
    });
    child.on(
      "exit",
      (code) => reject(new Error(`exited with ${code} before logging "${msg}"`)),
    );
  });
}

describe("main", () => {
  it("main - missing secrets stop the process with a readable message", async () => {
    const child = start({});
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const [code] = await once(child, "exit");
    assert.equal(code, 1);
    assert.match(stderr, /QSTASH_CURRENT_SIGNING_KEY is not set/);
    assert.match(stderr, /CALLBACK_SIGNING_KEYS is not set/);
  });

  it("main - loads the model, serves /healthz and exits cleanly on SIGTERM", async () => {
    const child = start({
      ...SECRETS,
      INFERENCE_PORT: "0",
      S3_ENDPOINT: "http://127.0.0.1:9",
    });
    try {
      const listening = await waitForLog(child, "inference listening");
      const res = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
      assert.equal(res.status, 200);
      const body = await res.json() as {
        model: { executionProviders: string[] };
      };
      assert.deepEqual(body.model.executionProviders, ["cpu"]);
      const stopped = waitForLog(child, "inference stopped");
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await stopped;
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("main - a job delivered before SIGTERM finishes (callbacks, map in S3) before the process exits", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3rver-main-"));
    const s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "beatsight", configs: [] }],
    });
    const endpoint = `http://127.0.0.1:${((await s3.run()) as AddressInfo).port}`;
    const store = new S3Store({ bucket: "beatsight", endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    await store.put("uploads/groove.wav", renderDrumPattern({ bpm: 120, bars: 4, seed: 5 }).wav, "audio/wav");
    const callbacks: Callback[] = [];
    const web = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      callbacks.push(callbackSchema.parse(JSON.parse(body)));
      res.writeHead(200, { "content-type": "application/json" }).end('{"continue":true}');
    });
    await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
    const child = start({
      ...SECRETS,
      INFERENCE_PORT: "0",
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      INFERENCE_PUBLIC_URL: "http://inference.test",
      SHUTDOWN_GRACE_SEC: "30",
    });
    try {
      const { port } = await waitForLog(child, "inference listening");
      const job = {
        jobId: "6f1c1a52-5a4e-4a59-9d7e-2f7d8a0b1c77",
        attempt: 1,
        type: "generate_map",
        songId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        audioKey: "uploads/groove.wav",
        traceId: "trace-main",
        callbackUrl: `http://127.0.0.1:${(web.address() as AddressInfo).port}/api/v1/callbacks/inference`,
      };
      const raw = JSON.stringify(job);
      const signature = signQstashJwt(raw, {
        key: SECRETS.QSTASH_CURRENT_SIGNING_KEY,
        url: "http://inference.test/v1/jobs",
      });
      const started = waitForLog(child, "job started");
      const held = fetch(`http://127.0.0.1:${port}/v1/jobs`, {
        method: "POST",
        body: raw,
        headers: { "upstash-signature": signature },
      });
      await started;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const res = await held;
      assert.equal(res.status, 200, await res.clone().text());
      const { result } = await res.json() as { result: { mapKey: string; bpm: number } };
      assert.equal(await store.exists(result.mapKey), true);
      assert.equal(callbacks.at(-1)?.event, "completed");
      assert.equal(callbacks[0].traceId, "trace-main");
      assert.equal((await exited)[0], 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      store.client.destroy();
      web.close();
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

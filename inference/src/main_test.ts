import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
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
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves with the first JSON log line whose msg matches. */
function waitForLog(
  child: ChildProcess,
  msg: string,
): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout! });
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
      (code) =>
        reject(new Error(`exited with ${code} before logging "${msg}"`)),
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
});

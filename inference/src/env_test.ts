import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvError, loadEnv } from "./env.ts";

const BASE = {
  QSTASH_CURRENT_SIGNING_KEY: "sig_current",
  QSTASH_NEXT_SIGNING_KEY: "sig_next",
  CALLBACK_SIGNING_KEYS: "k1:0123456789abcdef,k0:fedcba9876543210",
};

describe("env", () => {
  it("loadEnv - applies the documented defaults", () => {
    const env = loadEnv(BASE);
    assert.equal(env.port, 8787);
    assert.equal(env.publicUrl, "http://127.0.0.1:8787");
    assert.equal(env.concurrency, 2);
    assert.equal(env.heartbeatIntervalSec, 5);
    assert.equal(env.stageDelayMs, 0);
    assert.equal(env.executionProvider, "cpu");
    assert.equal(env.logLevel, "info");
    assert.deepEqual(env.s3, {
      endpoint: undefined,
      region: "us-east-1",
      bucket: "beatsight",
      accessKeyId: undefined,
      secretAccessKey: undefined,
    });
    assert.deepEqual(env.callbackKeys.map((k) => k.id), ["k1", "k0"]);
    assert.match(env.modelDir, /inference\/models$/);
  });

  it("loadEnv - reads overrides and prefers INFERENCE_PUBLIC_URL over INFERENCE_URL", () => {
    const env = loadEnv({
      ...BASE,
      INFERENCE_PORT: "9999",
      INFERENCE_URL: "http://a:1",
      INFERENCE_PUBLIC_URL: "https://inf.example/",
      ONNX_EP: "cuda",
      INFERENCE_CONCURRENCY: "4",
      INFERENCE_STAGE_DELAY_MS: "1500",
    });
    assert.equal(env.stageDelayMs, 1500);
    assert.equal(env.port, 9999);
    assert.equal(env.publicUrl, "https://inf.example");
    assert.equal(env.executionProvider, "cuda");
    assert.equal(env.concurrency, 4);
    assert.equal(
      loadEnv({ ...BASE, INFERENCE_URL: "http://a:1" }).publicUrl,
      "http://a:1",
    );
  });

  it("loadEnv - names every missing secret in one readable error", () => {
    assert.throws(() => loadEnv({}), (err: unknown) => {
      assert.ok(err instanceof EnvError);
      for (
        const name of [
          "QSTASH_CURRENT_SIGNING_KEY",
          "QSTASH_NEXT_SIGNING_KEY",
          "CALLBACK_SIGNING_KEYS",
        ]
      ) {
        assert.match(err.message, new RegExp(`${name} is not set`));
      }
      return true;
    });
  });

  it("loadEnv - rejects malformed values", () => {
    assert.throws(
      () => loadEnv({ ...BASE, CALLBACK_SIGNING_KEYS: "nokey" }),
      /id:secret/,
    );
    assert.throws(
      () => loadEnv({ ...BASE, INFERENCE_CONCURRENCY: "0" }),
      /INFERENCE_CONCURRENCY/,
    );
    assert.throws(() => loadEnv({ ...BASE, ONNX_EP: "tpu" }), /ONNX_EP/);
  });
});

/**
 * Signatures through the real processes: unsigned, forged, expired, replayed and body-tampered QStash deliveries
 * (to inference) and callbacks (to web) are all rejected. Deliveries are signed with the dispatcher's own signer.
 */
import assert from "node:assert/strict";
import { signCallback } from "../../inference/src/contracts/callback.ts";
import { signDelivery } from "../../devstack/qstash_protocol.ts";
import { startE2eStack } from "./harness.ts";

const enc = new TextEncoder();

Deno.test({
  name: "signatures - forged, expired, replayed and tampered deliveries and callbacks are rejected",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startE2eStack("signatures");
    try {
      const jobsUrl = `${stack.env.INFERENCE_PUBLIC_URL}/v1/jobs`;
      const deliver = (body: string, signature?: string) =>
        fetch(`${stack.inferenceUrl}/v1/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(signature ? { "upstash-signature": signature } : {}) },
          body,
        });
      const statusOf = async (res: Promise<Response>) => {
        const r = await res;
        await r.body?.cancel();
        return r.status;
      };

      await t.step("QStash deliveries to inference", async () => {
        // A body that passes the signature but not the job schema: a 400 proves the signature was accepted.
        const body = JSON.stringify({ not: "a job" });
        const key = stack.env.QSTASH_CURRENT_SIGNING_KEY;
        assert.equal(await statusOf(deliver(body)), 401, "unsigned");
        assert.equal(
          await statusOf(deliver(body, await signDelivery("sig_forged_key", jobsUrl, enc.encode(body)))),
          401,
        );
        const expired = await signDelivery(key, jobsUrl, enc.encode(body), Math.floor(Date.now() / 1000) - 3600);
        assert.equal(await statusOf(deliver(body, expired)), 401, "expired");
        const good = await signDelivery(key, jobsUrl, enc.encode(body));
        assert.equal(await statusOf(deliver(JSON.stringify({ not: "a job!" }), good)), 401, "tampered body");
        assert.equal(await statusOf(deliver(body, good)), 400, "valid signature, invalid job");
        assert.equal(await statusOf(deliver(body, good)), 401, "replayed");
        const next = await signDelivery(stack.env.QSTASH_NEXT_SIGNING_KEY, jobsUrl, enc.encode(body));
        assert.equal(await statusOf(deliver(body, next)), 400, "the next (rotated) key is accepted");
      });

      await t.step("callbacks to web", async () => {
        const [id, secret] = stack.env.CALLBACK_SIGNING_KEYS.split(",")[0].split(":");
        const key = { id, secret };
        const callback = (body: string, headers: Record<string, string>) =>
          fetch(`${stack.webUrl}/api/v1/callbacks/inference`, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body,
          });
        // Schema-invalid on purpose: 400 means the signature checks passed.
        const body = JSON.stringify({ jobId: crypto.randomUUID(), event: "progress" });
        assert.equal(await statusOf(callback(body, {})), 401, "unsigned");
        assert.equal(await statusOf(callback(body, signCallback(body, { id, secret: "x".repeat(32) }))), 401, "forged");
        const old = signCallback(body, key, Math.floor(Date.now() / 1000) - 3600);
        assert.equal(await statusOf(callback(body, old)), 401, "expired");
        const signed = signCallback(body, key);
        assert.equal(await statusOf(callback(body.replace("progress", "completed"), signed)), 401, "tampered");
        assert.equal(await statusOf(callback(body, signed)), 400, "valid signature, invalid body");
        assert.equal(await statusOf(callback(body, signed)), 409, "replayed");
      });
    } finally {
      await stack.close();
    }
  },
});

import assert from "node:assert/strict";
import { guest, json, putObject, startHarness, wavBytes } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "uploads and song registration - validation of declared and stored files",
  ...opts,
  fn: async (t) => {
    const h = await startHarness({ env: { MAX_UPLOAD_BYTES: "1000" } });
    try {
      const alice = await guest(h.app);
      const bob = await guest(h.app);
      const upload = async (body: Record<string, unknown>) =>
        await h.app.request("/api/v1/uploads", json("POST", alice.headers, body));
      const register = async (uploadId: string, headers = alice.headers) =>
        await h.app.request("/api/v1/songs", json("POST", headers, { uploadId, title: "My Song" }));
      const ticket = async (filename = "My Song (live).wav") => {
        const res = await upload({ filename, contentType: "audio/wav", sizeBytes: 100 });
        assert.equal(res.status, 201);
        return await res.json();
      };

      await t.step("declared checks: wrong type 415 listing types, empty 400, too large 413 in MB", async () => {
        const pdf = await upload({ filename: "a.pdf", contentType: "application/pdf", sizeBytes: 10 });
        assert.equal(pdf.status, 415);
        assert.match((await pdf.json()).error.message, /audio\/mpeg.*audio\/aac/);
        const empty = await upload({ filename: "a.wav", contentType: "audio/wav", sizeBytes: 0 });
        assert.equal(empty.status, 400);
        assert.equal((await empty.json()).error.message, "The file is empty.");
        const big = await upload({ filename: "a.wav", contentType: "audio/wav", sizeBytes: 5000 });
        assert.equal(big.status, 413);
        assert.match((await big.json()).error.message, /limit is 0 MB/);
        const missing = await upload({ filename: "a.wav", contentType: "audio/wav" });
        assert.equal(missing.status, 400);
        assert.match((await missing.json()).error.message, /"sizeBytes"/);
      });

      await t.step("ticket: safe key under the user, presigned PUT", async () => {
        const t1 = await ticket("../../etc/My Song (live).wav");
        assert.match(t1.key, new RegExp(`^uploads/${alice.userId}/${t1.uploadId}/My-Song-live-.wav$`));
        assert.equal(t1.method, "PUT");
        assert.match(t1.url, /X-Amz-Signature=/);
        assert.deepEqual(t1.headers, { "content-type": "audio/wav" });
        const put = await fetch(t1.url, { method: "PUT", headers: t1.headers, body: wavBytes() });
        assert.equal(put.status, 200);
        await put.body?.cancel();
        assert.equal((await register(t1.uploadId, bob.headers)).status, 404);
        const res = await register(t1.uploadId);
        assert.equal(res.status, 201);
        const { song, job } = await res.json();
        assert.equal(song.title, "My Song");
        assert.equal(song.status, "fingerprinting");
        assert.equal(job.type, "fingerprint");
        const [d] = await h.waitForDeliveries(1);
        assert.equal(d.message.audioKey, t1.key);
        assert.equal((await register(t1.uploadId)).status, 409);
      });

      await t.step("stored checks: missing 409, empty 400, non-audio 415, over limit 413", async () => {
        const missing = await ticket();
        const notYet = await register(missing.uploadId);
        assert.equal(notYet.status, 409);
        assert.match((await notYet.json()).error.message, /not finished/);

        const empty = await ticket();
        await putObject(h, empty.key, new Uint8Array());
        const e = await register(empty.uploadId);
        assert.equal(e.status, 400);
        assert.equal((await e.json()).error.message, "The file is empty.");

        const text = await ticket();
        await putObject(h, text.key, new TextEncoder().encode("%PDF-1.7 definitely not audio"));
        const n = await register(text.uploadId);
        assert.equal(n.status, 415);
        assert.match((await n.json()).error.message, /not an audio file/);
        const [row] = await h.deps.sql`select status, reject_reason from uploads where id = ${text.uploadId}`;
        assert.equal(row.status, "rejected");
        assert.equal((await register(text.uploadId)).status, 409);

        const big = await ticket();
        await putObject(h, big.key, wavBytes(2000));
        const b = await register(big.uploadId);
        assert.equal(b.status, 413);
        const gone = await h.app.request(`/api/v1/songs/${crypto.randomUUID()}`, { headers: alice.headers });
        assert.equal(gone.status, 404);
        const [songs] = await h.deps.sql`select count(*)::int as n from songs`;
        assert.equal(songs.n, 1);
      });
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "errors and probes - 404 JSON, body limit, healthz, readyz, metrics",
  ...opts,
  fn: async () => {
    const h = await startHarness();
    try {
      const alice = await guest(h.app);
      const nf = await h.app.request("/api/v1/nope", { headers: alice.headers });
      assert.equal(nf.status, 404);
      assert.match((await nf.json()).error.message, /No route/);
      const huge = await h.app.request("/api/v1/uploads", {
        ...json("POST", alice.headers, { filename: "x".repeat(70_000), contentType: "audio/wav", sizeBytes: 1 }),
      });
      assert.equal(huge.status, 413);
      const badJson = await h.app.request("/api/v1/jobs", { method: "POST", headers: alice.headers, body: "{" });
      assert.equal(badJson.status, 400);
      assert.equal((await h.app.request("/healthz")).status, 200);
      const ready = await h.app.request("/readyz");
      assert.equal(ready.status, 200, await ready.clone().text());
      const res = await h.app.request("/readyz", { headers: { "x-trace-id": "probe-1" } });
      assert.equal(res.headers.get("x-trace-id"), "probe-1");
      const metrics = await (await h.app.request("/metrics")).text();
      assert.match(metrics, /beatsight_jobs_queue_depth 0/);
      assert.match(metrics, /http_request_duration_seconds_count\{method="GET",route="\/readyz",status="200"\} 2/);
      await h.deps.sql`select 1`;
      const broken = { ...h.deps, config: { ...h.deps.config, s3Bucket: "no-such-bucket" } };
      const { readinessFailures } = await import("./health.ts");
      const failed = await readinessFailures(broken);
      assert.deepEqual(failed.map((f) => f.check), ["s3"]);
    } finally {
      await h.close();
    }
  },
});

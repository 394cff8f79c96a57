import assert from "node:assert/strict";
import { Client } from "@upstash/qstash";
import { createJob } from "../../lib/jobs.ts";
import { guest, json, seedReadySong, startHarness } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "jobs API - create, publish, list, authorize, cancel, retry",
  ...opts,
  fn: async (t) => {
    const h = await startHarness();
    try {
      const alice = await guest(h.app);
      const bob = await guest(h.app);
      const songId = await seedReadySong(h, alice.userId);

      await t.step("anonymous requests get 401 JSON", async () => {
        const res = await h.app.request("/api/v1/jobs");
        assert.equal(res.status, 401);
        assert.match((await res.json()).error.message, /signed in/);
      });

      let jobId = "";
      await t.step("POST /jobs creates and publishes through QStash with trace id", async () => {
        const res = await h.app.request("/api/v1/jobs", {
          ...json("POST", { ...alice.headers, "x-trace-id": "trace-abc" }, {
            type: "generate_map",
            songId,
            priority: 3,
          }),
        });
        assert.equal(res.status, 201);
        const { job } = await res.json();
        jobId = job.id;
        assert.equal(job.status, "queued");
        assert.equal(job.attempts, 1);
        assert.equal(job.traceId, "trace-abc");
        const [delivery] = await h.waitForDeliveries(1);
        assert.equal(delivery.message.jobId, job.id);
        assert.equal(delivery.message.attempt, 1);
        assert.equal(delivery.message.priority, 3);
        assert.match(delivery.message.audioKey, /^uploads\//);
        assert.equal(delivery.message.callbackUrl, h.deps.config.publicUrl + "/api/v1/callbacks/inference");
        assert.equal(delivery.headers.get("x-trace-id"), "trace-abc");
      });

      await t.step("a second generate_map for the same song returns the active job with 200", async () => {
        const res = await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "generate_map", songId }));
        assert.equal(res.status, 200);
        assert.equal((await res.json()).job.id, jobId);
      });

      await t.step("validation errors name the field; unknown song is 404; other user's job is 404", async () => {
        const bad = await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "dance", songId }));
        assert.equal(bad.status, 400);
        assert.match((await bad.json()).error.message, /"type"/);
        const other = await h.app.request("/api/v1/jobs", json("POST", bob.headers, { type: "generate_map", songId }));
        assert.equal(other.status, 404);
        assert.equal((await h.app.request(`/api/v1/jobs/${jobId}`, { headers: bob.headers })).status, 404);
        assert.equal(
          (await h.app.request(`/api/v1/jobs/${jobId}`, { method: "DELETE", headers: bob.headers })).status,
          404,
        );
        assert.equal((await h.app.request(`/api/v1/jobs/${jobId}`, { headers: alice.headers })).status, 200);
      });

      await t.step("generate_map needs a ready song (409)", async () => {
        await h.deps.sql`update songs set status = 'fingerprinting' where id = ${songId}`;
        const res = await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "fingerprint", songId }));
        assert.equal(res.status, 201);
        const other = await seedReadySong(h, alice.userId);
        await h.deps.sql`update songs set status = 'pending' where id = ${other}`;
        const notReady = await h.app.request(
          "/api/v1/jobs",
          json("POST", alice.headers, { type: "generate_map", songId: other }),
        );
        assert.equal(notReady.status, 409);
        assert.match((await notReady.json()).error.message, /not ready/);
      });

      await t.step("cancel: queued -> cancelled; again -> 409", async () => {
        const res = await h.app.request(`/api/v1/jobs/${jobId}`, { method: "DELETE", headers: alice.headers });
        assert.equal(res.status, 200);
        assert.equal((await res.json()).job.status, "cancelled");
        const again = await h.app.request(`/api/v1/jobs/${jobId}`, { method: "DELETE", headers: alice.headers });
        assert.equal(again.status, 409);
      });

      await t.step("retry: invalid stage 400 naming stages; valid -> attempt 2 republished", async () => {
        const bad = await h.app.request(
          `/api/v1/jobs/${jobId}/retry`,
          json("POST", alice.headers, { resumeFrom: "fingerprint" }),
        );
        assert.equal(bad.status, 400);
        assert.match((await bad.json()).error.message, /decode, transcribe, beats, quantize, package/);
        const before = h.deliveries.length;
        const res = await h.app.request(
          `/api/v1/jobs/${jobId}/retry`,
          json("POST", alice.headers, { resumeFrom: "beats" }),
        );
        assert.equal(res.status, 200);
        const { job } = await res.json();
        assert.equal(job.status, "queued");
        assert.equal(job.attempts, 2);
        assert.equal(job.resumeFrom, "beats");
        const deliveries = await h.waitForDeliveries(before + 1);
        const last = deliveries.find((d) => d.message.jobId === jobId && d.message.attempt === 2);
        assert.ok(last, "attempt 2 delivered");
        assert.equal(last.message.resumeFrom, "beats");
        const notFailed = await h.app.request(`/api/v1/jobs/${jobId}/retry`, json("POST", alice.headers, {}));
        assert.equal(notFailed.status, 409);
      });

      await t.step("list: keyset pages, filters, only own jobs", async () => {
        for (let i = 0; i < 5; i++) {
          const s = await seedReadySong(h, alice.userId);
          await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "generate_map", songId: s }));
        }
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const q: string = `/api/v1/jobs?limit=3${cursor ? `&cursor=${cursor}` : ""}`;
          const page = await (await h.app.request(q, { headers: alice.headers })).json();
          assert.ok(page.items.length <= 3);
          seen.push(...page.items.map((j: { id: string }) => j.id));
          cursor = page.nextCursor;
        } while (cursor);
        assert.equal(seen.length, 7);
        assert.equal(new Set(seen).size, 7);
        const [{ count }] = await h.deps
          .sql`select count(*)::int as count from ai_jobs where user_id = ${alice.userId}`;
        assert.equal(count, 7);
        const fp = await (await h.app.request("/api/v1/jobs?type=fingerprint", { headers: alice.headers })).json();
        assert.deepEqual(fp.items.map((j: { type: string }) => j.type), ["fingerprint"]);
        const bySong =
          await (await h.app.request(`/api/v1/jobs?songId=${songId}&status=queued`, { headers: alice.headers })).json();
        assert.equal(bySong.items.length, 2);
        const bobs = await (await h.app.request("/api/v1/jobs", { headers: bob.headers })).json();
        assert.deepEqual(bobs.items, []);
        const badCursor = await h.app.request("/api/v1/jobs?cursor=zzz", { headers: alice.headers });
        assert.equal(badCursor.status, 400);
        const badLimit = await h.app.request("/api/v1/jobs?limit=500", { headers: alice.headers });
        assert.equal(badLimit.status, 400);
        assert.match((await badLimit.json()).error.message, /"limit"/);
      });

      await t.step("publish failure fails the job with a readable reason", async () => {
        const s = await seedReadySong(h, alice.userId);
        // A QStash that refuses connections: the job must not stay queued forever.
        const qstash = new Client({ baseUrl: "http://127.0.0.1:9", token: "x", retry: false });
        const { job } = await createJob({ ...h.deps, qstash }, alice.userId, { type: "generate_map", songId: s }, "t1");
        assert.equal(job.status, "failed");
        assert.match(job.error ?? "", /could not be queued/);
      });
    } finally {
      await h.close();
    }
  },
});

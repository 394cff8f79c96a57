/** Library API: saved maps (readable maps only, per user) and notifications written on terminal job events. */
import assert from "node:assert/strict";
import type { Callback } from "../../../inference/src/contracts/callback.ts";
import { guest, json, postCallback, seedReadySong, startHarness } from "../../lib/test_harness.ts";
import { seedMappedSong } from "./seed_testing.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("library API - save and unsave maps, only readable ones, per user", opts, async (t) => {
  const h = await startHarness();
  try {
    const alice = await guest(h.app);
    const bob = await guest(h.app);
    const shared = await seedMappedSong(h, alice.userId, "Shared", "Band");
    const saved = async (who: typeof alice) =>
      (await (await h.app.request("/api/v1/me/saved-maps", { headers: who.headers })).json()).items;

    await t.step("save is idempotent and listed with its song", async () => {
      for (let i = 0; i < 2; i++) {
        const res = await h.app.request(`/api/v1/me/saved-maps/${shared.mapId}`, json("POST", bob.headers));
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { mapId: shared.mapId, saved: true });
      }
      const items = await saved(bob);
      assert.equal(items.length, 1);
      assert.deepEqual([items[0].mapId, items[0].songId, items[0].title], [shared.mapId, shared.songId, "Shared"]);
      assert.deepEqual(await saved(alice), [], "libraries are per user");
    });

    await t.step("unsave removes it", async () => {
      const res = await h.app.request(`/api/v1/me/saved-maps/${shared.mapId}`, json("DELETE", bob.headers));
      assert.deepEqual(await res.json(), { mapId: shared.mapId, saved: false });
      assert.deepEqual(await saved(bob), []);
    });

    await t.step("unknown ids are 404, bad ids 400, anonymous 401", async () => {
      const missing = await h.app.request(`/api/v1/me/saved-maps/${crypto.randomUUID()}`, json("POST", bob.headers));
      assert.equal(missing.status, 404);
      assert.match((await missing.json()).error.message, /map was not found/);
      assert.equal((await h.app.request("/api/v1/me/saved-maps/nope", json("POST", bob.headers))).status, 400);
      assert.equal((await h.app.request(`/api/v1/me/saved-maps/${shared.mapId}`, { method: "POST" })).status, 401);
    });
  } finally {
    await h.close();
  }
});

function failed(jobId: string, retryable: boolean): Callback {
  const base = { jobId, attempt: 1, seq: 0, traceId: "t", stage: "decode", progress: 0.1 } as const;
  return { ...base, event: "failed", error: "Not audio", retryable, stageOutputs: {}, stageTimingsMs: {} };
}

Deno.test("library API - notifications on finished and failed jobs, mark as read", opts, async (t) => {
  const h = await startHarness();
  try {
    const alice = await guest(h.app);
    const bob = await guest(h.app);
    const songId = await seedReadySong(h, alice.userId);
    const notifications = async (who = alice) =>
      await (await h.app.request("/api/v1/me/notifications", { headers: who.headers })).json();

    await t.step("a map job that completes notifies its owner once", async () => {
      const res = await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "generate_map", songId }));
      const { job } = await res.json();
      const completed: Callback = {
        event: "completed",
        jobId: job.id,
        attempt: 1,
        seq: 3,
        traceId: "t",
        stage: "package",
        progress: 1,
        stageOutputs: {},
        stageTimingsMs: {},
        result: { kind: "map", mapKey: "maps/x.bsm", durationSec: 10, bpm: 100, noteCount: 1, modelVersion: "m" },
      };
      await postCallback(h, completed);
      await postCallback(h, { ...completed, seq: 4 });
      const body = await notifications();
      assert.equal(body.unread, 1);
      assert.equal(body.items[0].kind, "job_succeeded");
      assert.equal(body.items[0].url, `/songs/${songId}/map`);
      assert.equal((await notifications(bob)).items.length, 0);
    });

    await t.step("a failed job notifies with the reason", async () => {
      const other = await seedReadySong(h, alice.userId);
      const res = await h.app.request(
        "/api/v1/jobs",
        json("POST", alice.headers, { type: "generate_map", songId: other }),
      );
      const { job } = await res.json();
      await postCallback(h, failed(job.id, false));
      const body = await notifications();
      assert.equal(body.unread, 2);
      assert.equal(body.items[0].kind, "job_failed");
      assert.match(body.items[0].message, /failed: Not audio/);
      assert.equal(body.items[0].url, `/jobs/${job.id}`);
    });

    await t.step("mark one read, then all; other users' ids change nothing", async () => {
      const { items } = await notifications();
      const byBob = await h.app.request(
        "/api/v1/me/notifications/read",
        json("POST", bob.headers, { ids: [items[0].id] }),
      );
      assert.deepEqual(await byBob.json(), { marked: 0 });
      const one = await h.app.request(
        "/api/v1/me/notifications/read",
        json("POST", alice.headers, { ids: [items[0].id] }),
      );
      assert.deepEqual(await one.json(), { marked: 1 });
      assert.equal((await notifications()).unread, 1);
      const all = await h.app.request("/api/v1/me/notifications/read", json("POST", alice.headers, {}));
      assert.deepEqual(await all.json(), { marked: 1 });
      assert.equal((await notifications()).unread, 0);
      const bad = await h.app.request("/api/v1/me/notifications/read", json("POST", alice.headers, { ids: ["x"] }));
      assert.equal(bad.status, 400);
    });
  } finally {
    await h.close();
  }
});

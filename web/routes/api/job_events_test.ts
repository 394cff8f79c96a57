import assert from "node:assert/strict";
import { guest, json, postCallback, seedReadySong, startHarness } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function parseSse(text: string) {
  return text.split("\n\n").filter((b) => b.includes("data:")).map((block) => {
    const field = (name: string) =>
      block.split("\n").find((l) => l.startsWith(name + ":"))?.slice(name.length + 1).trim();
    return { id: field("id"), event: field("event"), data: JSON.parse(field("data") ?? "null") };
  });
}

Deno.test({
  name: "job events SSE - replays, streams live events, ends after the terminal one",
  ...opts,
  fn: async () => {
    const h = await startHarness();
    try {
      const alice = await guest(h.app);
      const bob = await guest(h.app);
      const songId = await seedReadySong(h, alice.userId);
      const { job } =
        await (await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "generate_map", songId })))
          .json();
      const base = { jobId: job.id, attempt: 1, traceId: "t", stageOutputs: {}, stageTimingsMs: {} };
      await postCallback(h, { ...base, event: "progress", seq: 0, stage: "decode", progress: 0.1 });

      assert.equal((await h.app.request(`/api/v1/jobs/${job.id}/events`, { headers: bob.headers })).status, 404);
      const res = await h.app.request(`/api/v1/jobs/${job.id}/events`, { headers: alice.headers });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      // Live events arrive while the stream is open; the completed one ends it.
      setTimeout(async () => {
        await postCallback(h, { ...base, event: "progress", seq: 1, stage: "transcribe", progress: 0.4 });
        await postCallback(h, {
          ...base,
          event: "completed",
          seq: 2,
          stage: "package",
          progress: 1,
          result: { kind: "map", mapKey: "maps/x.bsm", durationSec: 10, bpm: 100, noteCount: 3, modelVersion: "m" },
        });
      }, 300);
      const events = parseSse(await res.text());
      assert.deepEqual(events.map((e) => e.event), ["progress", "progress", "completed"]);
      assert.deepEqual(events[0].data, { stage: "decode", progress: 0.1, status: "running", message: null });
      assert.equal(events[2].data.status, "succeeded");

      // Resume after the first event: only the rest is replayed, and the stream ends.
      const resumed = await h.app.request(`/api/v1/jobs/${job.id}/events`, {
        headers: { ...alice.headers, "last-event-id": events[0].id! },
      });
      assert.deepEqual(parseSse(await resumed.text()).map((e) => e.event), ["progress", "completed"]);
      const afterEnd = await h.app.request(`/api/v1/jobs/${job.id}/events`, {
        headers: { ...alice.headers, "last-event-id": events[2].id! },
      });
      assert.deepEqual(parseSse(await afterEnd.text()), []);
    } finally {
      await h.close();
    }
  },
});

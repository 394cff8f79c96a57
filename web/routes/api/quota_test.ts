/** Quota: runs counted per generate_map job, 402 when used up, refunds only for machine failures, Pro lane. */
import assert from "node:assert/strict";
import type { Callback } from "../../../inference/src/contracts/callback.ts";
import { guest, type Harness, json, postCallback, seedReadySong, startHarness } from "../../lib/test_harness.ts";
import { quotaPeriod } from "../../lib/quota.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function generate(h: Harness, headers: Record<string, string>, songId: string) {
  return await h.app.request("/api/v1/jobs", json("POST", headers, { type: "generate_map", songId }));
}

function failed(jobId: string, retryable: boolean): Callback {
  const base = { jobId, attempt: 1, seq: 0, traceId: "t", stage: "transcribe", progress: 0.4 } as const;
  return {
    ...base,
    event: "failed",
    error: retryable ? "GPU fell over" : "Not audio",
    retryable,
    stageOutputs: {},
    stageTimingsMs: {},
  };
}

Deno.test("quotaPeriod - calendar months in UTC", () => {
  assert.deepEqual(quotaPeriod(new Date("2026-12-31T23:59:59Z")), {
    period: "2026-12-01",
    resetsAt: new Date("2027-01-01T00:00:00Z"),
  });
  assert.equal(quotaPeriod(new Date("2026-02-01T00:00:00Z")).period, "2026-02-01");
});

Deno.test("quota - counting, 402, refund on machine failure only, Pro limit and lane", opts, async (t) => {
  const h = await startHarness({ env: { FREE_MONTHLY_AI_RUNS: "2", PRO_MONTHLY_AI_RUNS: "3" } });
  try {
    const alice = await guest(h.app);
    const quota = async () => await (await h.app.request("/api/v1/me/quota", { headers: alice.headers })).json();
    const songs: string[] = [];
    for (let i = 0; i < 4; i++) songs.push(await seedReadySong(h, alice.userId));

    await t.step("a fresh user has the free allowance; anonymous gets 401", async () => {
      const q = await quota();
      assert.deepEqual([q.plan, q.used, q.limit, q.remaining], ["free", 0, 2, 2]);
      assert.equal(q.resetsAt, quotaPeriod(new Date()).resetsAt.toISOString());
      assert.equal((await h.app.request("/api/v1/me/quota")).status, 401);
    });

    const jobIds: string[] = [];
    await t.step("each new generate_map counts once; asking again while it is active does not", async () => {
      for (const songId of songs.slice(0, 2)) {
        const res = await generate(h, alice.headers, songId);
        assert.equal(res.status, 201);
        const { job } = await res.json();
        assert.equal(job.priority, 5, "free plan runs in the normal lane");
        jobIds.push(job.id);
      }
      assert.equal((await generate(h, alice.headers, songs[0])).status, 200, "active job returned");
      assert.equal((await quota()).used, 2);
    });

    await t.step("over quota: 402 with a readable message and hint, and no job row", async () => {
      const res = await generate(h, alice.headers, songs[2]);
      assert.equal(res.status, 402);
      const { error } = await res.json();
      assert.match(error.message, /used all 2 AI drum-map runs of your free plan/);
      assert.match(error.hint, /come back on \d{4}-\d{2}-01/);
      const [{ n }] = await h.deps.sql`select count(*)::int as n from ai_jobs where song_id = ${songs[2]}`;
      assert.equal(n, 0);
    });

    await t.step("a failure caused by the input keeps the run counted", async () => {
      assert.equal((await postCallback(h, failed(jobIds[0], false))).status, 200);
      const [job] = await h.deps.sql`select status from ai_jobs where id = ${jobIds[0]}`;
      assert.equal(job.status, "failed");
      assert.equal((await quota()).used, 2);
    });

    await t.step("a machine failure with no attempts left refunds the run", async () => {
      await h.deps.sql`update ai_jobs set max_attempts = 1 where id = ${jobIds[1]}`;
      assert.equal((await postCallback(h, failed(jobIds[1], true))).status, 200);
      const q = await quota();
      assert.deepEqual([q.used, q.remaining], [1, 1]);
      const [row] = await h.deps.sql`select refund_reason from ai_run_ledger where job_id = ${jobIds[1]}`;
      assert.equal(row.refund_reason, "GPU fell over");
      assert.equal((await generate(h, alice.headers, songs[2])).status, 201, "the refunded run can be used");
    });

    await t.step("Pro: higher limit and priority 8", async () => {
      await h.deps.sql`update users set plan = 'pro' where id = ${alice.userId}`;
      const q = await quota();
      assert.deepEqual([q.plan, q.limit, q.remaining], ["pro", 3, 1]);
      const res = await generate(h, alice.headers, songs[3]);
      assert.equal(res.status, 201);
      assert.equal((await res.json()).job.priority, 8);
      const deliveries = await h.waitForDeliveries(4);
      assert.equal(deliveries.at(-1)!.message.priority, 8);
    });
  } finally {
    await h.close();
  }
});

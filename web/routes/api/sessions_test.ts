import assert from "node:assert/strict";
import { guest, json, seedReadySong, startHarness } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "sessions and rate limit - guest cookie works, job creation limited with Retry-After",
  ...opts,
  fn: async () => {
    const h = await startHarness({ env: { JOB_RATE_LIMIT_PER_MINUTE: "2" } });
    try {
      const res = await h.app.request("/api/v1/sessions/guest", { method: "POST" });
      assert.equal(res.status, 201);
      const cookie = res.headers.get("set-cookie") ?? "";
      assert.match(cookie, /^bs_session=[^;]+;/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const me = await h.app.request("/api/v1/sessions/me", { headers: { cookie: cookie.split(";")[0] } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).user.isGuest, true);
      const forged = await h.app.request("/api/v1/sessions/me", { headers: { authorization: "Bearer abc.def.ghi" } });
      assert.equal(forged.status, 401);

      const alice = await guest(h.app);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const songId = await seedReadySong(h, alice.userId);
        const r = await h.app.request("/api/v1/jobs", json("POST", alice.headers, { type: "generate_map", songId }));
        statuses.push(r.status);
        if (r.status === 429) {
          assert.ok(Number(r.headers.get("retry-after")) >= 1);
          assert.match((await r.json()).error.message, /at most 2 per minute/);
        }
      }
      assert.deepEqual(statuses, [201, 201, 429]);
    } finally {
      await h.close();
    }
  },
});

import assert from "node:assert/strict";
import { EICAR, startClamd } from "../../../devstack/clamd.ts";
import { guest, json, putObject, startHarness, wavBytes } from "../../lib/test_harness.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "song registration - infected uploads are refused, a scanner outage loses nothing",
  ...opts,
  fn: async (t) => {
    const dataDir = await Deno.makeTempDir({ prefix: "bs-clamd-" });
    const clamd = await startClamd({ dataDir });
    const h = await startHarness({ env: { CLAMD_HOST: clamd.host, CLAMD_PORT: String(clamd.port) } });
    let clamdUp = true;
    try {
      const user = await guest(h.app);
      const uploadWav = async (bytes: Uint8Array<ArrayBuffer>) => {
        const res = await h.app.request(
          "/api/v1/uploads",
          json("POST", user.headers, { filename: "s.wav", contentType: "audio/wav", sizeBytes: bytes.byteLength }),
        );
        const ticket = await res.json();
        await putObject(h, ticket.key, bytes);
        return ticket as { uploadId: string; key: string };
      };
      const register = (uploadId: string) => h.app.request("/api/v1/songs", json("POST", user.headers, { uploadId }));

      await t.step("a WAV carrying the EICAR test signature -> 422, upload rejected", async () => {
        const infected = wavBytes(200);
        infected.set(new TextEncoder().encode(EICAR), 60);
        const ticket = await uploadWav(infected);
        const res = await register(ticket.uploadId);
        assert.equal(res.status, 422);
        assert.match((await res.json()).error.message, /virus scanner \(Eicar/);
        const [row] = await h.deps.sql`select status from uploads where id = ${ticket.uploadId}`;
        assert.equal(row.status, "rejected");
      });

      await t.step("a clean WAV passes the scan", async () => {
        const res = await register((await uploadWav(wavBytes(200))).uploadId);
        assert.equal(res.status, 201);
      });

      await t.step("scanner down -> 503 with Retry-After; the upload is kept and registers later", async () => {
        const ticket = await uploadWav(wavBytes(300));
        await clamd.close();
        clamdUp = false;
        const down = await register(ticket.uploadId);
        assert.equal(down.status, 503);
        assert.equal(down.headers.get("retry-after"), "30");
        assert.match((await down.json()).error.hint, /kept/);
        const [row] = await h.deps.sql`select status from uploads where id = ${ticket.uploadId}`;
        assert.notEqual(row.status, "rejected");
      });
    } finally {
      await h.close();
      if (clamdUp) await clamd.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

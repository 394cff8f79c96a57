import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hono } from "hono";
import { signQstashJwt } from "./qstash_testing.ts";
import { qstashSignature, type QstashSignatureVariables, ReplayCache } from "./qstash_signature.ts";

const CURRENT = "sig_current_0123456789";
const NEXT = "sig_next_0123456789";
const PUBLIC = "https://inference.example";
const URL_ = `${PUBLIC}/v1/jobs`;

function sign(
  body: string,
  opts: {
    key?: string;
    url?: string;
    exp?: number;
    nbf?: number;
    jti?: string;
  } = {},
) {
  return signQstashJwt(body, {
    ...opts,
    key: opts.key ?? CURRENT,
    url: opts.url ?? URL_,
  });
}

function app(replay = new ReplayCache()) {
  const a = new Hono<{ Variables: QstashSignatureVariables }>();
  a.use(
    "/v1/*",
    qstashSignature({
      currentSigningKey: CURRENT,
      nextSigningKey: NEXT,
      publicUrl: PUBLIC,
      replay,
    }),
  );
  a.post("/v1/jobs", (c) => c.json({ raw: c.var.rawBody }));
  return a;
}

const post = (a: ReturnType<typeof app>, body: string, signature?: string) =>
  a.request("/v1/jobs", {
    method: "POST",
    body,
    headers: signature ? { "upstash-signature": signature } : {},
  });

const BODY = '{"jobId":"x","note":"raw bytes kept"}';

async function expect401(res: Response, pattern: RegExp) {
  assert.equal(res.status, 401);
  const json = await res.json() as { error: string };
  assert.match(json.error, pattern);
}

describe("qstash_signature", () => {
  it("qstashSignature - accepts a valid current-key signature and exposes the raw body", async () => {
    const res = await post(app(), BODY, sign(BODY));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { raw: BODY });
  });

  it("qstashSignature - accepts the next signing key (rotation)", async () => {
    assert.equal(
      (await post(app(), BODY, sign(BODY, { key: NEXT }))).status,
      200,
    );
  });

  it("qstashSignature - rejects an unsigned request", async () => {
    await expect401(await post(app(), BODY), /missing Upstash-Signature/);
  });

  it("qstashSignature - rejects a signature made with another key", async () => {
    await expect401(
      await post(app(), BODY, sign(BODY, { key: "forged_key_0123456789" })),
      /invalid Upstash-Signature/,
    );
  });

  it("qstashSignature - rejects an expired token", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(
      await post(app(), BODY, sign(BODY, { exp: now - 60, nbf: now - 400 })),
      /invalid Upstash-Signature.*exp/,
    );
  });

  it("qstashSignature - rejects a tampered body", async () => {
    await expect401(
      await post(app(), BODY.replace("raw", "RAW"), sign(BODY)),
      /body hash does not match/,
    );
  });

  it("qstashSignature - rejects a token signed for another URL", async () => {
    await expect401(
      await post(
        app(),
        BODY,
        sign(BODY, { url: "https://evil.example/v1/jobs" }),
      ),
      /invalid subject/,
    );
  });

  it("qstashSignature - rejects a second use of the same token (replayed jti)", async () => {
    const a = app();
    const token = sign(BODY);
    assert.equal((await post(a, BODY, token)).status, 200);
    await expect401(await post(a, BODY, token), /replayed/);
    // A fresh token for the same body (a QStash retry) is fine.
    assert.equal((await post(a, BODY, sign(BODY))).status, 200);
  });

  it("ReplayCache - forgets ids after they expire", () => {
    const cache = new ReplayCache();
    assert.equal(cache.claim("a", 1000, 0), true);
    assert.equal(cache.claim("a", 1000, 500), false);
    assert.equal(cache.claim("a", 3000, 1000), true);
    assert.equal(cache.size, 1);
  });
});

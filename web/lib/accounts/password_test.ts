import assert from "node:assert/strict";
import { ARGON2_PARAMS, hashPassword, needsRehash, verifyPassword } from "./password.ts";
import { hashToken, hmac, randomToken, safeEqual } from "./tokens.ts";

Deno.test("password - argon2id hash verifies, carries its parameters, and rejects wrong or malformed input", async () => {
  const hash = await hashPassword("correct horse battery");
  assert.match(
    hash,
    new RegExp(`^\\$argon2id\\$v=19\\$m=${ARGON2_PARAMS.memorySize},t=${ARGON2_PARAMS.iterations},p=1\\$`),
  );
  assert.notEqual(hash, await hashPassword("correct horse battery"), "fresh salt per hash");
  assert.equal(await verifyPassword("correct horse battery", hash), true);
  assert.equal(await verifyPassword("correct horse batterY", hash), false);
  assert.equal(await verifyPassword("correct horse battery", null), false);
  assert.equal(await verifyPassword("correct horse battery", "$argon2id$garbage"), false);
  assert.equal(needsRehash(hash), false);
  assert.equal(needsRehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA"), true);
});

Deno.test("tokens - random tokens are unique and URL-safe; hashes are stable; comparisons exact", async () => {
  const a = randomToken();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/, "32 bytes -> 43 base64url characters");
  assert.notEqual(a, randomToken());
  assert.equal(await hashToken(a), await hashToken(a));
  assert.match(await hashToken(a), /^[0-9a-f]{64}$/);
  assert.notEqual(await hashToken(a), await hashToken(a + "x"));
  assert.equal(safeEqual("abc", "abc"), true);
  assert.equal(safeEqual("abc", "abd"), false);
  assert.equal(safeEqual("abc", "abcd"), false);
  assert.equal(await hmac("k".repeat(32), "m"), await hmac("k".repeat(32), "m"));
  assert.notEqual(await hmac("k".repeat(32), "m"), await hmac("j".repeat(32), "m"));
});

/**
 * Test helper: signs a delivery exactly like QStash does (HS256 JWT; iss "Upstash", sub = destination URL,
 * body = base64url(sha256(raw body)) unpadded, iat/nbf/exp, a unique jti). Used by tests of the signature
 * middleware and the job route; never by the server itself.
 */
import { Buffer } from "node:buffer";
import { createHash, createHmac, randomUUID } from "node:crypto";

export interface QstashJwtOptions {
  /** Signing key (QSTASH_CURRENT_SIGNING_KEY or _NEXT_). */
  key: string;
  /** The destination URL QStash delivers to. */
  url: string;
  /** [unix seconds] default now + 300. */
  exp?: number;
  /** [unix seconds] default now. */
  nbf?: number;
  /** Default a fresh `jwt_<uuid>`. */
  jti?: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** The `Upstash-Signature` value QStash would send with `body`. */
export function signQstashJwt(body: string, opts: QstashJwtOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({
    iss: "Upstash",
    sub: opts.url,
    exp: opts.exp ?? now + 300,
    nbf: opts.nbf ?? now,
    iat: now,
    jti: opts.jti ?? `jwt_${randomUUID()}`,
    body: b64url(createHash("sha256").update(body).digest()),
  }));
  const sig = createHmac("sha256", opts.key).update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${sig}`;
}

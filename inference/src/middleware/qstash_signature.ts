/**
 * Verifies QStash deliveries (docs/CONTRACTS.md "Jobs and callbacks" 2): the `Upstash-Signature` JWT is checked by
 * the real `@upstash/qstash` `Receiver` (current key, then next key; issuer, exp/nbf, `sub` = the public URL of this
 * route, `body` = sha256 of the RAW body), then its `jti` is remembered until it expires so a captured delivery
 * cannot be replayed. Failures answer 401 `{ error }`. The verified raw body is left in `c.var.rawBody`.
 */
import { Buffer } from "node:buffer";
import { Receiver } from "@upstash/qstash";
import type { MiddlewareHandler } from "hono";

/** What the middleware adds to the context. */
export type QstashSignatureVariables = {
  /** The request body exactly as signed. */
  rawBody: string;
};

export interface QstashSignatureOptions {
  currentSigningKey: string;
  nextSigningKey: string;
  /** Base URL QStash delivers to (INFERENCE_PUBLIC_URL); the request path is appended for the `sub` check. */
  publicUrl: string;
  /** [seconds] of clock skew tolerated on exp/nbf. Default 5. */
  clockToleranceSec?: number;
  /** Shared replay memory (one per process); default: a new one per middleware. */
  replay?: ReplayCache;
}

/** Remembers verified token ids until their expiry [unix ms] so a second use is refused. */
export class ReplayCache {
  readonly #seen = new Map<string, number>();

  /** True the first time `id` is seen before `expiresAtMs`; false for a replay. */
  claim(id: string, expiresAtMs: number, nowMs = Date.now()): boolean {
    this.#prune(nowMs);
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, expiresAtMs);
    return true;
  }

  /** How many ids are held now. */
  get size(): number {
    return this.#seen.size;
  }

  #prune(nowMs: number): void {
    for (const [id, exp] of this.#seen) if (exp <= nowMs) this.#seen.delete(id);
  }
}

/** Claims the Receiver has already verified; we only read them. */
interface VerifiedClaims {
  jti?: string;
  exp?: number;
}

function claimsOf(token: string): VerifiedClaims {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(
    Buffer.from(payload, "base64url").toString("utf8"),
  ) as VerifiedClaims;
}

/**
 * The Receiver tries the next key after the current one fails, so its message is the next key's ("verification
 * failed") even when the real problem is expiry; name expiry when the (unverified) claims show it.
 */
function explain(token: string, err: unknown, toleranceSec: number): string {
  try {
    const { exp } = claimsOf(token);
    if (typeof exp === "number" && exp + toleranceSec < Date.now() / 1000) {
      return "token expired (exp is in the past)";
    }
  } catch {
    // Not even a decodable JWT: the Receiver's message says enough.
  }
  return (err as Error).message;
}

/** Hono middleware that lets only fresh, correctly signed QStash deliveries through. */
export function qstashSignature(
  options: QstashSignatureOptions,
): MiddlewareHandler<{ Variables: QstashSignatureVariables }> {
  // devMode false: never let QSTASH_DEV in the environment swap our keys for the SDK's dev keys.
  const receiver = new Receiver({
    currentSigningKey: options.currentSigningKey,
    nextSigningKey: options.nextSigningKey,
    devMode: false,
  });
  const replay = options.replay ?? new ReplayCache();
  const base = options.publicUrl.replace(/\/+$/, "");
  const tolerance = options.clockToleranceSec ?? 5;
  return async function qstashSignatureMiddleware(c, next) {
    const signature = c.req.header("upstash-signature");
    if (!signature) {
      return c.json({ error: "missing Upstash-Signature header" }, 401);
    }
    const rawBody = await c.req.text();
    const url = base + c.req.path + new URL(c.req.url).search;
    try {
      await receiver.verify({
        signature,
        body: rawBody,
        url,
        clockTolerance: tolerance,
      });
    } catch (err) {
      return c.json({
        error: `invalid Upstash-Signature: ${explain(signature, err, tolerance)}`,
      }, 401);
    }
    const claims = claimsOf(signature);
    // Real QStash always sets jti; a token without one is keyed by itself, which is just as unique.
    const id = claims.jti ?? signature;
    const expiresAtMs = ((claims.exp ?? Math.floor(Date.now() / 1000) + 300) + tolerance) * 1000;
    if (!replay.claim(id, expiresAtMs)) {
      return c.json({ error: "replayed Upstash-Signature" }, 401);
    }
    c.set("rawBody", rawBody);
    await next();
  };
}

/** The QStash wire details the local dispatcher needs: signatures, header parsing. */
import { SignJWT } from "jose";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

/** Retries when `Upstash-Retries` is absent, as QStash. */
export const DEFAULT_RETRIES = 3;
const SIGNATURE_TTL_SEC = 5 * 60;

/** Thrown for a publish request QStash would reject; becomes a 400. */
export class PublishError extends Error {}

/** Parses `Upstash-Delay` ("10s", "2m", "1h", "1d", "500ms") [ms]. */
export function parseDelay(value: string | null): number {
  if (!value) return 0;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new PublishError(`invalid Upstash-Delay "${value}", use e.g. "10s", "2m", "1h"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s"];
  return Number(match[1]) * unit;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** The `Upstash-Signature` JWT for `body` delivered to `url`, as `Receiver.verify` checks it. */
export async function signDelivery(
  key: string,
  url: string,
  body: Uint8Array,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const bodyHash = base64url(createHash("sha256").update(body).digest());
  return await new SignJWT({ body: bodyHash })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("Upstash").setSubject(url).setIssuedAt(now).setNotBefore(now)
    .setExpirationTime(now + SIGNATURE_TTL_SEC).setJti(`jwt_${crypto.randomUUID()}`)
    .sign(new TextEncoder().encode(key));
}

/** Headers as QStash reports them in callbacks: name -> values. */
export function headerRecord(headers: Headers): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  headers.forEach((value, key) => (out[key] ??= []).push(value));
  return out;
}

/** A `Retry-After` header (seconds or HTTP date) [ms]. */
export function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Parses `Upstash-Retries`; default 3. */
export function parseRetries(value: string | null): number {
  if (value === null) return DEFAULT_RETRIES;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new PublishError(`invalid Upstash-Retries "${value}"`);
  return n;
}

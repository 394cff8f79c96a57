/**
 * Inference -> web callbacks: the body schema and its HMAC signature.
 *
 * Signature: hex(HMAC-SHA256(secret, `${timestamp}.${rawBody}`)) in `X-BeatSight-Signature`, the unix time in
 * seconds in `X-BeatSight-Timestamp`, the secret's id in `X-BeatSight-Key-Id`. Keys rotate: the sender signs with
 * the first key of its list; the receiver accepts any key it knows by id. A signature older (or newer) than
 * `REPLAY_WINDOW_SEC` is rejected; within the window the receiver rejects a second use of the same signature.
 */
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { stageSchema } from "./stages.ts";

export const SIGNATURE_HEADER = "x-beatsight-signature";
export const TIMESTAMP_HEADER = "x-beatsight-timestamp";
export const KEY_ID_HEADER = "x-beatsight-key-id";
/** How far a callback's timestamp may be from the receiver's clock [seconds]. */
export const REPLAY_WINDOW_SEC = 300;

const stageOutputsSchema = z.partialRecord(stageSchema, z.string());
const stageTimingsSchema = z.partialRecord(stageSchema, z.number().nonnegative());

const base = {
  jobId: z.string().uuid(),
  attempt: z.number().int().positive(),
  /** Increases with every callback of one attempt; lets the receiver drop stale, out-of-order progress. */
  seq: z.number().int().nonnegative(),
  traceId: z.string().min(1).max(128),
  /** Current stage (the one running, or the last one for completed/failed). */
  stage: stageSchema,
  /** Overall progress 0..1. */
  progress: z.number().min(0).max(1),
  stageOutputs: stageOutputsSchema.default({}),
  /** Wall time per finished stage [ms]. */
  stageTimingsMs: stageTimingsSchema.default({}),
};

export const fingerprintResultSchema = z.object({
  kind: z.literal("fingerprint"),
  fingerprintHash: z.string().min(1),
  durationSec: z.number().positive(),
});

export const mapResultSchema = z.object({
  kind: z.literal("map"),
  mapKey: z.string().min(1),
  durationSec: z.number().positive(),
  bpm: z.number().positive(),
  noteCount: z.number().int().nonnegative(),
  modelVersion: z.string().min(1),
});

export const jobResultSchema = z.discriminatedUnion("kind", [fingerprintResultSchema, mapResultSchema]);
export type JobResult = z.infer<typeof jobResultSchema>;

export const callbackSchema = z.discriminatedUnion("event", [
  /** A stage started, or a heartbeat while one runs. */
  z.object({ ...base, event: z.literal("progress") }),
  z.object({ ...base, event: z.literal("completed"), result: jobResultSchema }),
  /** `retryable: false` means a retry would fail the same way (bad input), so web fails the job at once. */
  z.object({ ...base, event: z.literal("failed"), error: z.string().min(1).max(2000), retryable: z.boolean() }),
]);
export type Callback = z.infer<typeof callbackSchema>;

/** What web answers to a callback: `continue: false` tells inference to stop (the job was cancelled or is over). */
export const callbackReplySchema = z.object({ continue: z.boolean() });
export type CallbackReply = z.infer<typeof callbackReplySchema>;

/** A signing key: `id` travels in the header, `secret` never does. */
export interface SigningKey {
  id: string;
  secret: string;
}

/**
 * Parses `CALLBACK_SIGNING_KEYS` ("id1:secret1,id2:secret2"). The first key signs; all of them verify.
 * Throws with a readable message when the value is malformed.
 */
export function parseSigningKeys(value: string | undefined): SigningKey[] {
  if (!value?.trim()) throw new Error("CALLBACK_SIGNING_KEYS is empty: set it to id:secret[,id:secret...]");
  return value.split(",").map((pair) => {
    const at = pair.indexOf(":");
    const id = pair.slice(0, at).trim();
    const secret = pair.slice(at + 1).trim();
    if (at <= 0 || secret.length < 16) {
      throw new Error("CALLBACK_SIGNING_KEYS entries must look like id:secret with a secret of 16+ characters");
    }
    return { id, secret };
  });
}

function hmacHex(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** Headers that sign `body` with `key` at `nowSec` [unix seconds]. */
export function signCallback(body: string, key: SigningKey, nowSec = Math.floor(Date.now() / 1000)) {
  const timestamp = String(nowSec);
  return {
    [KEY_ID_HEADER]: key.id,
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: hmacHex(key.secret, timestamp, body),
  };
}

export type VerifyResult = { ok: true; signature: string } | { ok: false; reason: string };

/**
 * Checks a callback's signature and freshness. Replay of a fresh signature is the caller's check (it needs
 * shared state): remember `signature` for `REPLAY_WINDOW_SEC` and refuse it a second time.
 */
export function verifyCallbackSignature(
  headers: { get(name: string): string | null },
  body: string,
  keys: readonly SigningKey[],
  nowSec = Math.floor(Date.now() / 1000),
): VerifyResult {
  const keyId = headers.get(KEY_ID_HEADER);
  const timestamp = headers.get(TIMESTAMP_HEADER);
  const signature = headers.get(SIGNATURE_HEADER);
  if (!keyId || !timestamp || !signature) return { ok: false, reason: "missing signature headers" };
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: `unknown signing key "${keyId}"` };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: "malformed timestamp" };
  if (Math.abs(nowSec - ts) > REPLAY_WINDOW_SEC) return { ok: false, reason: "signature expired" };
  const expected = Buffer.from(hmacHex(key.secret, timestamp, body), "hex");
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "signature does not match the body" };
  }
  return { ok: true, signature };
}

/**
 * Password hashing with argon2id (hash-wasm: WebAssembly, so no native build under Deno). The stored string is the
 * standard PHC encoding `$argon2id$v=19$m=..,t=..,p=..$salt$hash`, so the parameters travel with each hash and can
 * be raised later: {@link needsRehash} tells when a stored hash is weaker than {@link ARGON2_PARAMS}.
 */
import { argon2id, argon2Verify } from "hash-wasm";

/** argon2id cost (OWASP minimum): memory [KiB], passes, lanes, output length [bytes]. */
export const ARGON2_PARAMS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;
/** Shortest password accepted [characters]. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted [characters]; bounds the hashing cost an attacker can make us pay. */
export const MAX_PASSWORD_LENGTH = 256;

/** Hashes `password` with a fresh 16-byte salt; returns the PHC string to store. */
export function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return argon2id({ password: password.normalize("NFKC"), salt, ...ARGON2_PARAMS, outputType: "encoded" });
}

/**
 * True when `password` matches `stored` (hash-wasm compares in constant time). A malformed or missing hash is a
 * mismatch, never an exception, so callers give the same answer for every failure.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (!stored?.startsWith("$argon2id$")) {
    // Spend the same time as a real check so response times do not reveal which emails have passwords.
    await hashPassword(password);
    return false;
  }
  try {
    return await argon2Verify({ password: password.normalize("NFKC"), hash: stored });
  } catch {
    return false;
  }
}

/** True when `stored` was made with weaker parameters than {@link ARGON2_PARAMS} and should be re-hashed. */
export function needsRehash(stored: string): boolean {
  const m = stored.match(/^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/);
  if (!m) return true;
  return Number(m[1]) < ARGON2_PARAMS.memorySize || Number(m[2]) < ARGON2_PARAMS.iterations;
}

/**
 * Secrets handed to people (email links, refresh tokens' ids): random, URL-safe, and stored only as SHA-256 hashes,
 * so a copy of the database cannot be used to sign in or reset a password.
 */
import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random URL-safe token carrying `bytes` (default 32 = 256 bits) of entropy. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Hex SHA-256 of `token`: what the database stores and looks tokens up by. */
export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time string equality (false for different lengths, which leaks only the length). */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** base64url HMAC-SHA256 of `message` under `secret` (the imported key is cached per secret). */
export async function hmac(secret: string, message: string): Promise<string> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(message))));
}

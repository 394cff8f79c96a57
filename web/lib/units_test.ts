import assert from "node:assert/strict";
import { sniffAudio } from "./audio_sniff.ts";
import { signSession, verifySession } from "./auth.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { safeFilename } from "./intake.ts";

const SECRETS = {
  UPSTASH_REDIS_REST_TOKEN: "t",
  QSTASH_TOKEN: "t",
  QSTASH_CURRENT_SIGNING_KEY: "c",
  QSTASH_NEXT_SIGNING_KEY: "n",
  CALLBACK_SIGNING_KEYS: "k1:0123456789abcdef",
  SESSION_SECRET: "s".repeat(32),
};

Deno.test("config - defaults from CONTRACTS.md and readable errors for missing secrets", () => {
  const config = loadConfig(SECRETS);
  assert.equal(config.port, 8000);
  assert.equal(config.publicUrl, "http://127.0.0.1:8000");
  assert.equal(config.maxUploadBytes, 104857600);
  assert.equal(config.dbPoolMax, 1);
  assert.deepEqual(config.callbackSigningKeys, [{ id: "k1", secret: "0123456789abcdef" }]);
  assert.throws(() => loadConfig({ ...SECRETS, SESSION_SECRET: "", QSTASH_TOKEN: undefined }), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /SESSION_SECRET is not set/);
    assert.match(e.message, /QSTASH_TOKEN is not set/);
    return true;
  });
  assert.throws(() => loadConfig({ ...SECRETS, CALLBACK_SIGNING_KEYS: "nokey" }), /id:secret/);
  assert.throws(() => loadConfig({ ...SECRETS, PORT: "abc" }), /PORT/);
});

Deno.test("audio sniff - recognises containers by magic bytes, refuses others", () => {
  const bytes = (s: string, pad = 16) => new Uint8Array([...new TextEncoder().encode(s), ...new Uint8Array(pad)]);
  assert.equal(sniffAudio(bytes("RIFF\0\0\0\0WAVEfmt ")), "wav");
  assert.equal(sniffAudio(bytes("fLaC")), "flac");
  assert.equal(sniffAudio(bytes("OggS")), "ogg");
  assert.equal(sniffAudio(bytes("\0\0\0\x20ftypM4A ")), "mp4");
  assert.equal(sniffAudio(bytes("ID3\x04")), "mp3");
  assert.equal(sniffAudio(new Uint8Array([0xff, 0xfb, 0x90, 0x64])), "mp3");
  assert.equal(sniffAudio(new Uint8Array([0xff, 0xf1, 0x50, 0x80])), "aac");
  assert.equal(sniffAudio(bytes("%PDF-1.7")), null);
  assert.equal(sniffAudio(bytes("RIFF\0\0\0\0AVI LIST")), null);
  assert.equal(sniffAudio(new Uint8Array([0xff, 0xfb, 0xf0, 0x00])), null);
  assert.equal(sniffAudio(new Uint8Array()), null);
});

Deno.test("auth - session tokens round-trip; forged or expired ones are refused", async () => {
  const user = { id: crypto.randomUUID(), displayName: "G", role: "user", isGuest: true };
  const token = await signSession(user, SECRETS.SESSION_SECRET);
  // Tokens from before accounts carry no scopes/plan: they read as a guest's defaults.
  assert.deepEqual(await verifySession(token, SECRETS.SESSION_SECRET), {
    ...user,
    scopes: [],
    emailVerified: false,
    plan: "free",
  });
  assert.equal(await verifySession(token, "x".repeat(32)), null);
  assert.equal(await verifySession(token.slice(0, -2) + "xx", SECRETS.SESSION_SECRET), null);
  assert.equal(await verifySession("garbage", SECRETS.SESSION_SECRET), null);
  assert.equal(await verifySession(undefined, SECRETS.SESSION_SECRET), null);
});

Deno.test("intake - safe filenames keep no path and only safe characters", () => {
  assert.equal(safeFilename("../../etc/passwd"), "passwd");
  assert.equal(safeFilename("C:\\music\\Mötley Crüe – Kickstart.mp3"), "Motley-Crue-Kickstart.mp3");
  assert.equal(safeFilename("..."), "audio");
  assert.equal(safeFilename("a".repeat(300) + ".wav").length, 100);
});

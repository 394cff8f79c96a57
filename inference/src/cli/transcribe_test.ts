import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bsmSchema } from "../contracts/bsm.ts";
import { renderDrumPattern } from "../testing/synth.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DENO = join(ROOT, "node_modules/.bin/deno");
const dir = mkdtempSync(join(tmpdir(), "cli-test-"));

function cli(...args: string[]) {
  const r = spawnSync(DENO, ["task", "-q", "transcribe", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

test("cli transcribe - prints exactly one .bsm document on stdout", () => {
  const path = join(dir, "groove.wav");
  writeFileSync(path, renderDrumPattern({ bpm: 100, bars: 4, seed: 2 }).wav);
  const r = cli(path);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n").length, 1);
  const map = bsmSchema.parse(JSON.parse(r.stdout));
  assert.ok(Math.abs(map.tempo.bpm - 100) < 2, `bpm ${map.tempo.bpm}`);
  assert.ok(
    map.notes.some((n) => n.lane === "kick") &&
      map.notes.some((n) => n.lane === "snare"),
  );
  assert.match(r.stderr, /transcribed .*groove\.wav/);
});

test("cli transcribe - no argument, a missing file and unreadable audio exit 1 with one line", () => {
  const usage = cli();
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /^usage: deno task transcribe <audio-file>/);
  const missing = cli(join(dir, "missing.mp3"));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: Audio file not found: .*missing\.mp3$/);
  const junk = join(dir, "notes.txt");
  writeFileSync(junk, "definitely not audio\n".repeat(50));
  const bad = cli(junk);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "");
  assert.match(
    bad.stderr,
    /^error: The file could not be decoded as audio \(.+\)\. Upload a WAV, MP3, FLAC, OGG or M4A file\.$/,
  );
});
